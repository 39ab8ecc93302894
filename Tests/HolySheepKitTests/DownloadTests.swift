import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing
@testable import HolySheepKit

/// `downloadVideo` against a small content server: `vgen_drop` drops its first connection after 50 000 bytes,
/// `vgen_norange` ignores `Range`, `vgen_pending` answers 409; every other id is served whole or by range.
@Suite struct DownloadTests {
    static let video = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }

    final class ContentServer: Sendable {
        let ranges = Mutex<[String: [String?]]>([:])

        struct Drop: Error {}

        func application() -> some ApplicationProtocol {
            let router = Router()
            router.get("v1/video/generations/{id}/content") { request, context -> Response in
                let id = try context.parameters.require("id")
                let range = request.headers[HTTPField.Name("Range")!]
                let seen = self.ranges.withLock { ranges in
                    ranges[id, default: []].append(range)
                    return ranges[id]!.count
                }
                if id == "vgen_pending" {
                    let body = #"{"error":{"message":"The job vgen_pending is processing.","type":"invalid_request_error","code":"video_not_ready","param":null},"error_code":409}"#
                    return Response(status: .conflict, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
                }
                let requested = range.flatMap { $0.hasPrefix("bytes=") && $0.hasSuffix("-") ? Int($0.dropFirst(6).dropLast()) : nil }
                let start = id == "vgen_norange" ? 0 : requested ?? 0
                let total = DownloadTests.video.count
                guard start < total else {
                    return Response(status: .rangeNotSatisfiable, headers: [HTTPField.Name("Content-Range")!: "bytes */\(total)"])
                }
                var headers: HTTPFields = [.contentType: "video/mp4", .contentLength: String(total - start)]
                if start > 0 { headers[HTTPField.Name("Content-Range")!] = "bytes \(start)-\(total - 1)/\(total)" }
                let drop = id == "vgen_drop" && seen == 1
                return Response(
                    status: start > 0 ? .partialContent : .ok, headers: headers,
                    body: ResponseBody { writer in
                        let bytes = DownloadTests.video[start...]
                        for offset in stride(from: bytes.startIndex, to: bytes.endIndex, by: 10_000) {
                            if drop, offset >= 50_000 { throw Drop() }
                            try await writer.write(ByteBuffer(bytes: bytes[offset..<min(offset + 10_000, bytes.endIndex)]))
                        }
                        try await writer.finish(nil)
                    })
            }
            return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: TestPlatform.logger)
        }
    }

    /// Runs `body` with a client of a fresh content server and an empty folder.
    func withServer(_ body: @Sendable (HolySheepClient, ContentServer, URL) async throws -> Void) async throws {
        let server = ContentServer()
        try await server.application().test(.live) { client in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hs-download-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let sdk = HolySheepClient(
                baseURL: URL(string: "http://127.0.0.1:\(client.port!)/v1")!, apiKey: "hs_test_x", retry: .init(baseDelay: .milliseconds(10)))
            try await body(sdk, server, folder)
        }
    }

    func contents(_ folder: URL) throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() }

    @Test func droppedConnection_resumesWithARangeFromThePartialSize() async throws {
        try await withServer { client, server, folder in
            let file = folder.appendingPathComponent("shot-01.mp4")
            let size = try await client.downloadVideo(id: "vgen_drop", to: file)
            #expect(size == Int64(Self.video.count))
            #expect(try Data(contentsOf: file) == Data(Self.video))
            // The second request asks for what the first one did not deliver: from the partial file's size on.
            let ranges = server.ranges.withLock { $0["vgen_drop"] ?? [] }
            #expect(ranges.count == 2 && ranges[0] == nil)
            let resumed = try #require(ranges.last ?? nil)
            #expect((1...50_000).contains(Int(resumed.dropFirst("bytes=".count).dropLast()) ?? 0))
            #expect(try contents(folder) == ["shot-01.mp4"])  // no partial file left
        }
    }

    @Test func partialFileFromAnEarlierCall_isResumed_andAnExistingFileReplaced() async throws {
        try await withServer { client, server, folder in
            let file = folder.appendingPathComponent("shot.mp4")
            try Data("old".utf8).write(to: file)
            try Data(Self.video[..<1234]).write(to: folder.appendingPathComponent(".shot.mp4.vgen_ok.part"))
            try await client.downloadVideo(id: "vgen_ok", to: file)
            #expect(try Data(contentsOf: file) == Data(Self.video))
            #expect(server.ranges.withLock { $0["vgen_ok"] } == ["bytes=1234-"])
            #expect(try contents(folder) == ["shot.mp4"])
        }
    }

    @Test func partialFileLongerThanTheVideo_orARangeIgnored_startsOver() async throws {
        try await withServer { client, server, folder in
            try Data(count: 300_000).write(to: folder.appendingPathComponent(".a.mp4.vgen_long.part"))
            try await client.downloadVideo(id: "vgen_long", to: folder.appendingPathComponent("a.mp4"))
            #expect(try Data(contentsOf: folder.appendingPathComponent("a.mp4")) == Data(Self.video))
            #expect(server.ranges.withLock { $0["vgen_long"] } == ["bytes=300000-", nil])

            try Data(count: 500).write(to: folder.appendingPathComponent(".b.mp4.vgen_norange.part"))
            try await client.downloadVideo(id: "vgen_norange", to: folder.appendingPathComponent("b.mp4"))
            #expect(try Data(contentsOf: folder.appendingPathComponent("b.mp4")) == Data(Self.video))
        }
    }

    @Test func jobNotReady_is409WithTheServersMessage_andNoFileIsMade() async throws {
        try await withServer { client, _, folder in
            do {
                try await client.downloadVideo(id: "vgen_pending", to: folder.appendingPathComponent("c.mp4"))
                Issue.record("no error")
            } catch let error as HolySheepError {
                #expect(error.status == 409 && error.code == "video_not_ready" && error.message.contains("processing"))
            }
            let names = try contents(folder)
            #expect(!names.contains("c.mp4"))
        }
    }

    @Test func missingFolder_isAConfigurationErrorNamingThePath() async throws {
        try await withServer { client, _, folder in
            let file = folder.appendingPathComponent("no/such/folder/d.mp4")
            await #expect {
                try await client.downloadVideo(id: "vgen_ok", to: file)
            } throws: { ($0 as? HolySheepError).map { $0.kind == .configuration && $0.message.contains("no/such/folder") } ?? false }
        }
    }

    @Test(arguments: [
        ("bytes 0-99/100", ContentRange(start: 0, end: 99, total: 100)), ("bytes 50-99/*", ContentRange(start: 50, end: 99, total: nil)),
        ("bytes 50-99/60", nil), ("bytes 9-1/100", nil), ("items 0-1/2", nil), ("bytes */100", nil),
    ])
    func contentRange_parses(header: String, expected: ContentRange?) {
        #expect(ContentRange(header) == expected)
    }
}
