extension StringProtocol {
    /// The text without leading and trailing whitespace (spaces, tabs, newlines).
    ///
    /// Pure Swift on purpose: Foundation's `trimmingCharacters(in:)` on Linux goes through
    /// `NSString` and `CharacterSet` and has crashed when called from many threads at once, which
    /// request handling does.
    public var trimmed: String {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[first...last])
    }

    /// Empty, or only whitespace.
    public var isBlank: Bool { allSatisfy(\.isWhitespace) }
}
