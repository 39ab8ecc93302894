// The HolySheepCore types that appear in this SDK's API, so `import HolySheepKit` is all a caller needs.
@_exported import enum HolySheepCore.JSON
@_exported import struct HolySheepCore.Money
@_exported import struct HolySheepCore.WebhookError
