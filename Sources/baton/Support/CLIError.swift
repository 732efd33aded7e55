import ArgumentParser
import BatonCore
import Foundation

/// A failure the user can act on: printed as one clear message, with a non-zero exit.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    var exitCode: Int32

    init(_ description: String, exitCode: Int32 = 1) {
        self.description = description
        self.exitCode = exitCode
    }
}

enum Output {
    static func error(_ text: String) {
        FileHandle.standardError.write(Data(("baton: " + text + "\n").utf8))
    }

    /// Writes a token or JWS to standard output. On a terminal it ends with a newline; into a
    /// pipe or file it does not, because a trailing newline is not part of a compact JWS.
    static func token(_ text: String) {
        let newline = isatty(STDOUT_FILENO) == 1 ? "\n" : ""
        FileHandle.standardOutput.write(Data((text + newline).utf8))
    }

    /// JSON bytes, pretty-printed for people.
    static func prettyJSON(_ bytes: [UInt8]) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)),
            let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        else { return String(decoding: bytes, as: UTF8.self) }
        return String(decoding: data, as: UTF8.self)
    }

    /// Prints configuration problems, one per line, and returns the exit code for bad configuration.
    static func configurationErrors(_ errors: ConfigurationErrors, what: String) -> ExitCode {
        error("\(what) has \(errors.errors.count) problem\(errors.errors.count == 1 ? "" : "s"):")
        for problem in errors.errors { FileHandle.standardError.write(Data(("  " + problem.description + "\n").utf8)) }
        return ExitCode(78)  // EX_CONFIG
    }
}

extension AsyncParsableCommand {
    /// Runs `body`, turning a ``CLIError`` into a message and exit code instead of a stack of types.
    func reportingErrors(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as CLIError {
            Output.error(error.description)
            throw ExitCode(error.exitCode)
        } catch let errors as ConfigurationErrors {
            throw Output.configurationErrors(errors, what: "the configuration")
        }
    }
}

/// Reads an option, falling back to an environment variable, then a default.
enum Environment {
    static func value(_ option: String?, _ variable: String, default defaultValue: String) -> String {
        option ?? ProcessInfo.processInfo.environment[variable] ?? defaultValue
    }

    static func value(_ option: String?, _ variable: String) -> String? {
        option ?? ProcessInfo.processInfo.environment[variable]
    }
}
