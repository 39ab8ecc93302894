import AsyncHTTPClient
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension HolySheepClient {
    /// Downloads a completed job's MP4 (`GET /v1/video/generations/{id}/content`) to `destination`.
    ///
    /// The bytes go to a hidden partial file beside `destination` (`.NAME.ID.part`). When the connection drops, the
    /// download resumes from the partial file's size with an HTTP `Range` request, up to ``RetryOptions/maxAttempts``
    /// times in a row without progress; a partial file left by an earlier, interrupted call is resumed the same way.
    /// Once complete, the file is renamed to `destination` in one step, replacing any file there, so `destination`
    /// never holds a partial video.
    /// - Returns: the size of the video in bytes.
    /// - Throws: ``HolySheepError``: `409` while the job has not completed, `404` for a job that is not the caller's,
    ///   `.connection` when the download keeps failing, `.configuration` when the file cannot be written.
    @discardableResult
    public func downloadVideo(id: String, to destination: URL) async throws -> Int64 {
        let partial = destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).\(id).part")
        let file = try PartialFile(partial)
        defer { file.close() }
        var generator = SystemRandomNumberGenerator()
        var failures = 0
        while true {
            var call = Call.get(Self.jobPath(id) + "/content")
            call.timeout = nil
            if file.size > 0 { call.headers.append(("Range", "bytes=\(file.size)-")) }
            let response: HTTPClientResponse
            do {
                response = try await send(call)
            } catch let error as HolySheepError where error.status == 416 && file.size > 0 {
                try file.truncate()  // the partial file is not a prefix of this video (longer than it): start over
                continue
            }
            let expectedEnd: Int64?
            if response.status == .partialContent {
                guard let range = response.headers.first(name: "content-range").flatMap(ContentRange.init), range.start == file.size else {
                    throw HolySheepError.invalidResponse("a `206` answer whose Content-Range does not start at byte \(file.size)")
                }
                expectedEnd = range.total ?? (range.end + 1)
            } else {
                try file.truncate()  // a whole answer: the server ignored the range
                expectedEnd = response.headers.first(name: "content-length").flatMap { Int64($0) }
            }
            let before = file.size
            do {
                for try await buffer in response.body { try file.append(buffer.readableBytesView) }
                if let expectedEnd, file.size < expectedEnd {
                    throw HolySheepError(.connection, message: "The download of \(id) ended at byte \(file.size) of \(expectedEnd).")
                }
                break
            } catch let error as HolySheepError where error.kind == .configuration {
                throw error
            } catch {
                try Task.checkCancellation()
                failures = file.size > before ? 1 : failures + 1
                let failure = error as? HolySheepError ?? .connection(error, url: url(call.path))
                guard let delay = retry.delay(after: failure, attempt: failures, using: &generator) else { throw failure }
                try await Task.sleep(for: delay)
            }
        }
        try file.finish(as: destination)
        return file.size
    }
}

/// The file a download writes, opened for appending.
private final class PartialFile {
    let url: URL
    private let handle: FileHandle
    private(set) var size: Int64

    init(_ url: URL) throws(HolySheepError) {
        self.url = url
        do {
            if !FileManager.default.fileExists(atPath: url.path) {
                guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                    throw CocoaError(.fileWriteUnknown)
                }
            }
            handle = try FileHandle(forWritingTo: url)
            size = Int64(try handle.seekToEnd())
        } catch {
            throw Self.failure("create", url, error)
        }
    }

    func append(_ bytes: some Sequence<UInt8>) throws(HolySheepError) {
        let data = Data(bytes)
        do {
            try handle.write(contentsOf: data)
        } catch {
            throw Self.failure("write to", url, error)
        }
        size += Int64(data.count)
    }

    func truncate() throws(HolySheepError) {
        do {
            try handle.truncate(atOffset: 0)
        } catch {
            throw Self.failure("truncate", url, error)
        }
        size = 0
    }

    /// Flushes the file to disk and renames it to `destination` atomically (replacing what is there).
    func finish(as destination: URL) throws(HolySheepError) {
        do {
            try handle.synchronize()
        } catch {
            throw Self.failure("flush", url, error)
        }
        guard rename(url.path, destination.path) == 0 else {
            throw Self.failure("rename to \(destination.path)", url, POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO))
        }
    }

    func close() { try? handle.close() }

    private static func failure(_ action: String, _ url: URL, _ error: any Error) -> HolySheepError {
        HolySheepError(
            .configuration, message: "Could not \(action) the file \(url.path) (\(error)). Check that its folder exists and is writable.",
            underlyingError: error)
    }
}
