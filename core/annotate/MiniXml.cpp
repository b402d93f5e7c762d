#include "core/annotate/MiniXml.h"

#include "core/common/Error.h"

namespace vf::annotate::xml {

const Attribute* Element::attribute(std::string_view n) const {
    for (const auto& a : attributes)
        if (a.name == n) return &a;
    return nullptr;
}

std::vector<const Element*> Element::childrenNamed(std::string_view n) const {
    std::vector<const Element*> out;
    for (const auto& c : children)
        if (c->name == n) out.push_back(c.get());
    return out;
}

const Element* Element::child(std::string_view n) const {
    for (const auto& c : children)
        if (c->name == n) return c.get();
    return nullptr;
}

std::string escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&apos;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

namespace {

class Parser {
public:
    Parser(std::string_view t, const std::string& src) : t_(t), src_(src) {}

    std::unique_ptr<Element> document() {
        // Optional UTF-8 byte order mark.
        if (t_.substr(0, 3) == "\xEF\xBB\xBF") advance(3);
        skipSpace();
        if (starts("<?xml")) {
            std::size_t e = t_.find("?>", pos_);
            if (e == std::string_view::npos) fail("unterminated XML declaration");
            advanceTo(e + 2);
        }
        skipMisc();
        if (eof() || peek() != '<') fail("expected the root element");
        auto root = element(0);
        skipMisc();
        if (!eof()) fail("unexpected content after the root element");
        return root;
    }

private:
    std::string_view t_;
    const std::string& src_;
    std::size_t pos_ = 0;
    int line_ = 1, col_ = 1;

    [[noreturn]] void fail(const std::string& what) const { failAt(line_, col_, what); }
    [[noreturn]] void failAt(int line, int col, const std::string& what) const {
        throw vf::Error(vf::ErrorCode::Corrupt,
                        src_ + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " + what,
                        src_);
    }
    bool eof() const { return pos_ >= t_.size(); }
    char peek() const { return t_[pos_]; }
    bool starts(std::string_view s) const { return t_.substr(pos_, s.size()) == s; }
    void advance(std::size_t n = 1) {
        for (std::size_t i = 0; i < n && pos_ < t_.size(); ++i) {
            if (t_[pos_] == '\n') {
                ++line_;
                col_ = 1;
            } else {
                ++col_;
            }
            ++pos_;
        }
    }
    void advanceTo(std::size_t p) { advance(p - pos_); }
    static bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
    void skipSpace() {
        while (!eof() && isSpace(peek()))
            advance();
    }
    // Whitespace and comments between markup.
    void skipMisc() {
        for (;;) {
            skipSpace();
            if (starts("<!--")) {
                comment();
                continue;
            }
            if (starts("<!DOCTYPE") || starts("<!doctype")) fail("DOCTYPE is not supported");
            if (starts("<?")) fail("processing instructions are not supported here");
            break;
        }
    }
    void comment() {
        std::size_t e = t_.find("-->", pos_ + 4);
        if (e == std::string_view::npos) fail("unterminated comment");
        advanceTo(e + 3);
    }
    static bool isNameStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
               (static_cast<unsigned char>(c) >= 0x80);
    }
    static bool isNameChar(char c) {
        return isNameStart(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
    }
    std::string name() {
        if (eof() || !isNameStart(peek())) fail("expected a name");
        std::size_t b = pos_;
        while (!eof() && isNameChar(peek()))
            advance();
        return std::string(t_.substr(b, pos_ - b));
    }
    static void appendUtf8(std::string& out, unsigned long cp) {
        if (cp < 0x80) {
            out += char(cp);
        } else if (cp < 0x800) {
            out += char(0xC0 | (cp >> 6));
            out += char(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += char(0xE0 | (cp >> 12));
            out += char(0x80 | ((cp >> 6) & 0x3F));
            out += char(0x80 | (cp & 0x3F));
        } else {
            out += char(0xF0 | (cp >> 18));
            out += char(0x80 | ((cp >> 12) & 0x3F));
            out += char(0x80 | ((cp >> 6) & 0x3F));
            out += char(0x80 | (cp & 0x3F));
        }
    }
    // At '&': decodes one reference and appends it.
    void reference(std::string& out) {
        const int l = line_, c = col_;
        std::size_t e = t_.find(';', pos_);
        if (e == std::string_view::npos || e - pos_ > 12)
            failAt(l, c, "unterminated entity reference");
        std::string_view ref = t_.substr(pos_ + 1, e - pos_ - 1);
        if (ref == "lt")
            out += '<';
        else if (ref == "gt")
            out += '>';
        else if (ref == "amp")
            out += '&';
        else if (ref == "quot")
            out += '"';
        else if (ref == "apos")
            out += '\'';
        else if (ref.size() >= 2 && ref[0] == '#') {
            unsigned long cp = 0;
            const bool hex = ref[1] == 'x';
            std::string_view digits = ref.substr(hex ? 2 : 1);
            if (digits.empty()) failAt(l, c, "empty character reference");
            for (char d : digits) {
                int v;
                if (d >= '0' && d <= '9')
                    v = d - '0';
                else if (hex && d >= 'a' && d <= 'f')
                    v = d - 'a' + 10;
                else if (hex && d >= 'A' && d <= 'F')
                    v = d - 'A' + 10;
                else
                    failAt(l, c, "bad character reference &" + std::string(ref) + ";");
                cp = cp * (hex ? 16 : 10) + unsigned(v);
                if (cp > 0x10FFFF) failAt(l, c, "character reference out of range");
            }
            if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF))
                failAt(l, c, "invalid character reference &" + std::string(ref) + ";");
            appendUtf8(out, cp);
        } else {
            failAt(l, c, "unknown entity &" + std::string(ref) + ";");
        }
        advanceTo(e + 1);
    }
    std::string attrValue() {
        if (eof() || (peek() != '"' && peek() != '\'')) fail("expected a quoted attribute value");
        const char q = peek();
        advance();
        std::string v;
        for (;;) {
            if (eof()) fail("unterminated attribute value");
            const char c = peek();
            if (c == q) {
                advance();
                break;
            }
            if (c == '<') fail("'<' inside an attribute value");
            if (c == '&') {
                reference(v);
                continue;
            }
            v += c;
            advance();
        }
        return v;
    }
    std::unique_ptr<Element> element(int depth) {
        if (depth > 256) fail("elements nested too deeply");
        auto el = std::make_unique<Element>();
        el->line = line_;
        el->col = col_;
        advance(); // '<'
        el->name = name();
        for (;;) {
            const bool hadSpace = !eof() && isSpace(peek());
            skipSpace();
            if (eof()) fail("unterminated start tag <" + el->name + ">");
            if (starts("/>")) {
                advance(2);
                return el;
            }
            if (peek() == '>') {
                advance();
                break;
            }
            if (!hadSpace) fail("expected whitespace between attributes");
            Attribute a;
            a.line = line_;
            a.col = col_;
            a.name = name();
            if (el->attribute(a.name)) fail("duplicate attribute '" + a.name + "'");
            skipSpace();
            if (eof() || peek() != '=') fail("expected '=' after attribute '" + a.name + "'");
            advance();
            skipSpace();
            a.value = attrValue();
            el->attributes.push_back(std::move(a));
        }
        // Content.
        for (;;) {
            if (eof()) failAt(el->line, el->col, "element <" + el->name + "> is not closed");
            const char c = peek();
            if (c == '<') {
                if (starts("</")) {
                    advance(2);
                    const int l = line_, cc = col_;
                    std::string n = name();
                    if (n != el->name)
                        failAt(l, cc,
                               "closing tag </" + n + "> does not match <" + el->name +
                                   "> opened at line " + std::to_string(el->line));
                    skipSpace();
                    if (eof() || peek() != '>') fail("expected '>'");
                    advance();
                    return el;
                }
                if (starts("<!--")) {
                    comment();
                    continue;
                }
                if (starts("<![CDATA[")) {
                    std::size_t e = t_.find("]]>", pos_ + 9);
                    if (e == std::string_view::npos) fail("unterminated CDATA section");
                    el->text += t_.substr(pos_ + 9, e - pos_ - 9);
                    advanceTo(e + 3);
                    continue;
                }
                if (starts("<?") || starts("<!")) fail("unsupported markup");
                el->children.push_back(element(depth + 1));
                continue;
            }
            if (c == '&') {
                reference(el->text);
                continue;
            }
            el->text += c;
            advance();
        }
    }
};

} // namespace

std::unique_ptr<Element> parse(std::string_view text, const std::string& sourceName) {
    Parser p(text, sourceName);
    return p.document();
}

} // namespace vf::annotate::xml
