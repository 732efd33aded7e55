/// String comparators suited to names, over folded (lower-case ASCII) text.
public enum StringSimilarity {
    /// Jaro–Winkler similarity in 0...1 (prefix scale 0.1, up to four characters), the usual
    /// comparator for personal names: typing errors near the end of a name cost less than at the start.
    public static func jaroWinkler(_ a: String, _ b: String) -> Double {
        if a == b { return a.isEmpty ? 0 : 1 }
        let s = Array(a.utf8)
        let t = Array(b.utf8)
        if s.isEmpty || t.isEmpty { return 0 }
        let window = max(0, max(s.count, t.count) / 2 - 1)
        var sMatched = [Bool](repeating: false, count: s.count)
        var tMatched = [Bool](repeating: false, count: t.count)
        var matches = 0
        for i in 0..<s.count {
            let low = max(0, i - window)
            let high = min(t.count - 1, i + window)
            guard low <= high else { continue }
            for j in low...high where !tMatched[j] && s[i] == t[j] {
                sMatched[i] = true
                tMatched[j] = true
                matches += 1
                break
            }
        }
        if matches == 0 { return 0 }
        var transpositions = 0
        var j = 0
        for i in 0..<s.count where sMatched[i] {
            while !tMatched[j] { j += 1 }
            if s[i] != t[j] { transpositions += 1 }
            j += 1
        }
        let m = Double(matches)
        let jaro = (m / Double(s.count) + m / Double(t.count) + (m - Double(transpositions / 2)) / m) / 3
        var prefix = 0
        while prefix < min(4, s.count, t.count), s[prefix] == t[prefix] { prefix += 1 }
        return jaro + Double(prefix) * 0.1 * (1 - jaro)
    }

    /// Whether `a` becomes `b` with at most one insertion, deletion, substitution or swap of
    /// neighbours (Damerau–Levenshtein distance ≤ 1).
    public static func withinOneEdit(_ a: String, _ b: String) -> Bool {
        if a == b { return true }
        let s = Array(a.utf8)
        let t = Array(b.utf8)
        if abs(s.count - t.count) > 1 { return false }
        var i = 0
        while i < s.count, i < t.count, s[i] == t[i] { i += 1 }
        if s.count == t.count {
            // One substitution, or neighbours swapped.
            if s[(i + 1)...] == t[(i + 1)...] { return true }
            return i + 1 < s.count && s[i] == t[i + 1] && s[i + 1] == t[i] && s[(i + 2)...] == t[(i + 2)...]
        }
        // One insertion or deletion.
        return s.count > t.count ? s[(i + 1)...] == t[i...] : s[i...] == t[(i + 1)...]
    }
}
