import Foundation

/// A strict little HTML reader for the report's own output: every non-void element must be
/// closed in order (the report is written well-formed), attributes are double-quoted. Enough to
/// check a report's structure without a browser.
struct HTMLTree {
    struct Element {
        var name: String
        var attributes: [String: String]
        var children: [Int] = []
        var text = ""
    }

    enum ParseError: Error, CustomStringConvertible {
        case unbalanced(expected: String, found: String, offset: Int)
        case unclosed([String])
        case malformed(offset: Int)
        var description: String {
            switch self {
            case .unbalanced(let e, let f, let o): return "</\(f)> at \(o) closes <\(e)>"
            case .unclosed(let names): return "unclosed elements: \(names)"
            case .malformed(let o): return "malformed tag at \(o)"
            }
        }
    }

    static let void: Set<String> = ["meta", "br", "hr", "img", "input", "link"]
    private(set) var elements: [Element] = [Element(name: "#root", attributes: [:])]

    init(_ html: String) throws {
        let bytes = Array(html.utf8)
        var stack = [0]
        var i = 0
        var rawTextUntil: String?
        func decode(_ s: String) -> String {
            s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&quot;", with: "\"")
                .replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
        }
        while i < bytes.count {
            if let closing = rawTextUntil {
                let marker = Array("</\(closing)>".utf8)
                var j = i
                while j + marker.count <= bytes.count, Array(bytes[j..<j + marker.count]) != marker { j += 1 }
                elements[stack.last!].text += String(decoding: bytes[i..<min(j, bytes.count)], as: UTF8.self)
                i = j
                rawTextUntil = nil
                continue
            }
            guard bytes[i] == UInt8(ascii: "<") else {
                var j = i
                while j < bytes.count, bytes[j] != UInt8(ascii: "<") { j += 1 }
                elements[stack.last!].text += decode(String(decoding: bytes[i..<j], as: UTF8.self))
                i = j
                continue
            }
            var j = i + 1
            var quoted = false
            while j < bytes.count, quoted || bytes[j] != UInt8(ascii: ">") {
                if bytes[j] == UInt8(ascii: "\"") { quoted.toggle() }
                j += 1
            }
            guard j < bytes.count else { throw ParseError.malformed(offset: i) }
            let tag = String(decoding: bytes[(i + 1)..<j], as: UTF8.self)
            defer { i = j + 1 }
            if tag.hasPrefix("!") { continue }
            if tag.hasPrefix("/") {
                let name = String(tag.dropFirst()).trimmingCharacters(in: .whitespaces)
                let open = elements[stack.last!].name
                guard open == name else { throw ParseError.unbalanced(expected: open, found: name, offset: i) }
                stack.removeLast()
                continue
            }
            let selfClosing = tag.hasSuffix("/")
            let inner = selfClosing ? String(tag.dropLast()) : tag
            let name = String(inner.prefix { !$0.isWhitespace })
            var attributes: [String: String] = [:]
            let pattern = try NSRegularExpression(pattern: #"([A-Za-z_:][-A-Za-z0-9_:.]*)="([^"]*)""#)
            let rest = String(inner.dropFirst(name.count))
            for match in pattern.matches(in: rest, range: NSRange(rest.startIndex..., in: rest)) {
                let key = String(rest[Range(match.range(at: 1), in: rest)!])
                attributes[key] = decode(String(rest[Range(match.range(at: 2), in: rest)!]))
            }
            elements.append(Element(name: name, attributes: attributes))
            let index = elements.count - 1
            elements[stack.last!].children.append(index)
            if !selfClosing && !Self.void.contains(name) {
                stack.append(index)
                if name == "script" || name == "style" { rawTextUntil = name }
            }
        }
        guard stack == [0] else { throw ParseError.unclosed(stack.dropFirst().map { elements[$0].name }) }
    }

    /// Elements named `name` (all when nil) whose attributes include `attributes`.
    func all(_ name: String? = nil, _ attributes: [String: String] = [:]) -> [Element] {
        elements.filter { e in (name == nil || e.name == name) && attributes.allSatisfy { e.attributes[$0.key] == $0.value } }
    }

    /// Every element under `element`, depth first.
    func descendants(of element: Element) -> [Element] {
        element.children.flatMap { [elements[$0]] + descendants(of: elements[$0]) }
    }

    /// The text of `element` and everything under it.
    func text(of element: Element) -> String {
        element.text + element.children.map { text(of: elements[$0]) }.joined()
    }
}
