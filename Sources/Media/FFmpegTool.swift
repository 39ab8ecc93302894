import Foundation

/// A located `ffmpeg` or `ffprobe` executable, run asynchronously with quiet, non-interactive defaults.
///
/// ```swift
/// let ffmpeg = try FFmpegTool.locate(.ffmpeg)
/// try await ffmpeg.run(["-i", "in.mp4", "-c", "copy", "out.mp4"])
/// ```
///
/// Configuration, read by ``locate(_:environment:)``:
/// - `HOLYSHEEP_FFMPEG` (path, default: `ffmpeg` found on `PATH`)
/// - `HOLYSHEEP_FFPROBE` (path, default: `ffprobe` found on `PATH`)
public struct FFmpegTool: Sendable {
    /// Which program of the FFmpeg suite.
    public enum Program: String, Sendable, CaseIterable {
        case ffmpeg, ffprobe

        /// The environment variable that overrides the program's path.
        public var environmentKey: String { "HOLYSHEEP_\(rawValue.uppercased())" }

        /// The arguments put before every call: never read standard input, print errors only.
        var quietArguments: [String] {
            switch self {
            case .ffmpeg: ["-nostdin", "-hide_banner", "-loglevel", "error"]
            case .ffprobe: ["-hide_banner", "-loglevel", "error"]
            }
        }
    }

    public let program: Program
    public let executable: URL

    /// Uses the given executable as it is, without checking that it exists.
    public init(_ program: Program, executable: URL) {
        self.program = program
        self.executable = executable
    }

    /// Finds a program: the path in its environment variable when set, else the first match on `PATH`.
    /// - Throws: ``MediaError/Kind/toolNotFound`` saying how to install FFmpeg or fix the variable.
    public static func locate(
        _ program: Program, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> FFmpegTool {
        let install = "Install FFmpeg (Debian/Ubuntu: `apt-get install ffmpeg`, macOS: `brew install ffmpeg`)"
        if let path = environment[program.environmentKey], !path.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw MediaError(
                    .toolNotFound,
                    "\(program.environmentKey) is set to \(path), which is not an executable file. Point it at the "
                        + "\(program.rawValue) executable, or unset it to use \(program.rawValue) from PATH. \(install).")
            }
            return FFmpegTool(program, executable: URL(fileURLWithPath: path))
        }
        guard let url = executableOnPath(program.rawValue, environment: environment) else {
            throw MediaError(
                .toolNotFound,
                "\(program.rawValue) was not found on PATH. \(install), or set \(program.environmentKey) to its path.")
        }
        return FFmpegTool(program, executable: url)
    }

    /// Runs the program with the quiet defaults followed by `arguments`.
    /// - Returns: what the program wrote to standard output.
    /// - Throws: ``MediaError/Kind/toolFailed`` naming the command, its exit status and the tail of its error output;
    ///   ``MediaError/Kind/toolNotFound`` when it cannot be started; `CancellationError` when the task is cancelled,
    ///   after the program has been terminated.
    @discardableResult
    public func run(_ arguments: [String]) async throws -> Data {
        let command = program.quietArguments + arguments
        let output: ChildProcess.Output
        do {
            output = try await ChildProcess(executable: executable, arguments: command).run()
        } catch let error as CancellationError {
            throw error
        } catch {
            throw MediaError(
                .toolNotFound,
                "\(executable.path) could not be started (\(error.localizedDescription)). Check that it is an "
                    + "executable \(program.rawValue), or set \(program.environmentKey) to one.")
        }
        guard output.status == 0 else {
            throw MediaError.toolFailed(
                command: [program.rawValue] + command, status: output.status, stderrTail: output.stderrTail)
        }
        return output.stdout
    }

    static func executableOnPath(_ name: String, environment: [String: String]) -> URL? {
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":")
            .map { URL(fileURLWithPath: String($0)).appendingPathComponent(name) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }
}
