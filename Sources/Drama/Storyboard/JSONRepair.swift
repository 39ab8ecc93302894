/// Cheap repairs of a chat model's JSON answer before it is parsed: code fences and prose around the object.
enum JSONRepair {
    /// The text from the first `{` to the last `}`, without Markdown code fences; the text itself when it has no
    /// braces.
    static func stripped(_ text: String) -> String {
        guard let first = text.firstIndex(of: "{"), let last = text.lastIndex(of: "}"), first < last else { return text }
        return String(text[first...last])
    }
}
