import BatonCore
import Foundation

/// The identity policy of a hub: the Fellegi–Sunter model (`policies/identity.yaml`) and the
/// nickname table (`policies/identity/nicknames.csv`).
public struct IdentityPolicy: Sendable {
    public var model: MatchModel
    public var nicknames: Nicknames

    public init(model: MatchModel, nicknames: Nicknames) {
        self.model = model
        self.nicknames = nicknames
    }

    public static let modelFile = "identity.yaml"
    public static let nicknamesFile = "identity/nicknames.csv"

    /// Loads both files from the policy folder; every problem names file, line and field.
    public static func load(directory: String) throws(ConfigurationErrors) -> IdentityPolicy {
        let modelPath = (directory as NSString).appendingPathComponent(modelFile)
        let nicknamesPath = (directory as NSString).appendingPathComponent(nicknamesFile)
        var errors: [ConfigurationError] = []
        var model: MatchModel?
        var nicknames: Nicknames?
        if let text = try? String(contentsOfFile: modelPath, encoding: .utf8) {
            do { model = try MatchModel.load(text, file: modelPath) } catch let problems as ConfigurationErrors {
                errors += problems.errors
            } catch {
                errors.append(ConfigurationError(file: modelPath, line: nil, field: "", problem: "\(error)"))
            }
        } else {
            errors.append(ConfigurationError(file: modelPath, line: nil, field: "", problem: "is missing or not UTF-8 text: every hub needs its identity model"))
        }
        if let text = try? String(contentsOfFile: nicknamesPath, encoding: .utf8) {
            do { nicknames = try Nicknames(csv: text, source: nicknamesPath) } catch let problem as ConfigurationError {
                errors.append(problem)
            } catch {
                errors.append(ConfigurationError(file: nicknamesPath, line: nil, field: "", problem: "\(error)"))
            }
        } else {
            errors.append(ConfigurationError(file: nicknamesPath, line: nil, field: "", problem: "is missing or not UTF-8 text: every hub needs its nickname table"))
        }
        guard errors.isEmpty, let model, let nicknames else { throw ConfigurationErrors(errors) }
        return IdentityPolicy(model: model, nicknames: nicknames)
    }
}
