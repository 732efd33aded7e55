/// Unique Pupil Numbers (England): 13 characters, a check letter followed by twelve characters
/// (local authority code, establishment number, year, serial). The check letter is the sum of
/// characters 2–13 weighted 2–13, modulo 23, mapped onto the letters below.
public enum UniquePupilNumber {
    static let checkLetters = Array("ABCDEFGHJKLMNPQRTUVWXYZ")

    /// The check letter for the twelve characters after it; nil if they are not twelve digits
    /// (a final letter, as in temporary UPNs, counts by its position in ``checkLetters``).
    public static func checkLetter(for body: String) -> Character? {
        let characters = Array(body.uppercased())
        guard characters.count == 12 else { return nil }
        var sum = 0
        for (index, character) in characters.enumerated() {
            let value: Int
            if let digit = character.wholeNumberValue, character.isASCII {
                value = digit
            } else if index == 11, let position = checkLetters.firstIndex(of: character) {
                value = position
            } else {
                return nil
            }
            sum += value * (index + 2)
        }
        return checkLetters[sum % 23]
    }

    /// Whether `text` is a UPN whose check letter matches.
    public static func isValid(_ text: String) -> Bool {
        let upper = text.uppercased()
        guard upper.count == 13, let first = upper.first else { return false }
        return checkLetter(for: String(upper.dropFirst())) == first
    }
}
