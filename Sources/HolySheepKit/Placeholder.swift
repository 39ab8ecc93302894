enum _HolySheepKitPlaceholder {}
