#pragma once
// A small strict XML reader for the subset that annotation files use (CVAT for video 1.1):
// an optional <?xml ...?> declaration, comments, elements with attributes, text, CDATA, the
// five predefined entities and numeric character references. DOCTYPE, processing
// instructions inside the document and namespaces-as-semantics are not supported. Every
// node remembers its line and column so that importers can report where a problem is.
// Malformed input throws vf::Error(Corrupt) "<source>:<line>:<col>: <problem>".

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace vf::annotate::xml {

struct Attribute {
    std::string name, value;
    int line = 0, col = 0;
};

struct Element {
    std::string name;
    std::vector<Attribute> attributes;
    std::vector<std::unique_ptr<Element>> children;
    std::string text; // concatenated character data directly inside this element
    int line = 0, col = 0;

    const Attribute* attribute(std::string_view n) const;
    // Children with the given name, in document order.
    std::vector<const Element*> childrenNamed(std::string_view n) const;
    const Element* child(std::string_view n) const; // first child with that name, or nullptr
};

// Parses a whole document; returns its root element. Limits nesting to 256 levels.
std::unique_ptr<Element> parse(std::string_view text, const std::string& sourceName);

// Escapes &, <, >, " and ' for use in attribute values and text.
std::string escape(std::string_view s);

} // namespace vf::annotate::xml
