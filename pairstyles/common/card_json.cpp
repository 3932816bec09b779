#include "common/card_json.h"

#include <cstdint>

namespace sei {
namespace {

// Recursive descent over RFC 8259 JSON; values are validated and skipped except the strings we keep.
class Reader {
 public:
  explicit Reader(const std::string &text) : s_(text) {}

  std::optional<std::vector<std::string>> top_level_species()
  {
    std::optional<std::vector<std::string>> species;
    ws();
    expect('{');
    ws();
    if (peek() == '}') {
      ++pos_;
    } else {
      while (true) {
        ws();
        const std::string key = string();
        ws();
        expect(':');
        ws();
        if (key == "species")
          species = string_array();
        else
          value(0);
        ws();
        if (peek() == ',') {
          ++pos_;
          continue;
        }
        expect('}');
        break;
      }
    }
    ws();
    if (pos_ != s_.size()) fail("unexpected text after the JSON document");
    return species;
  }

 private:
  const std::string &s_;
  size_t pos_ = 0;

  [[noreturn]] void fail(const std::string &what) const
  {
    size_t line = 1, col = 1;
    for (size_t i = 0; i < pos_ && i < s_.size(); ++i) {
      if (s_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    throw CardSyntaxError(what + " at line " + std::to_string(line) + ", column " + std::to_string(col));
  }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void expect(char c)
  {
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++pos_;
  }
  void ws()
  {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }
  void literal(const char *word)
  {
    for (const char *c = word; *c; ++c) {
      if (peek() != *c) fail(std::string("invalid literal (expected '") + word + "')");
      ++pos_;
    }
  }
  static int hex(char c)
  {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  static void put_utf8(std::string &out, uint32_t cp)
  {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  uint32_t hex4()
  {
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      const int d = hex(peek());
      if (d < 0) fail("invalid \\u escape");
      v = 16 * v + static_cast<uint32_t>(d);
      ++pos_;
    }
    return v;
  }
  std::string string()
  {
    expect('"');
    std::string out;
    while (true) {
      if (pos_ >= s_.size()) fail("unterminated string");
      const char c = s_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      const char e = peek();
      ++pos_;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00 && peek() == '\\' && pos_ + 1 < s_.size() && s_[pos_ + 1] == 'u') {
            pos_ += 2;
            const uint32_t low = hex4();
            if (low < 0xDC00 || low > 0xDFFF) fail("invalid surrogate pair");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          put_utf8(out, cp);
          break;
        }
        default: --pos_; fail("invalid escape in a string");
      }
    }
  }
  void number()
  {
    if (peek() == '-') ++pos_;
    if (peek() == '0') {
      ++pos_;
    } else if (peek() >= '1' && peek() <= '9') {
      while (peek() >= '0' && peek() <= '9') ++pos_;
    } else {
      fail("invalid number");
    }
    if (peek() == '.') {
      ++pos_;
      if (!(peek() >= '0' && peek() <= '9')) fail("invalid number");
      while (peek() >= '0' && peek() <= '9') ++pos_;
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      if (!(peek() >= '0' && peek() <= '9')) fail("invalid number");
      while (peek() >= '0' && peek() <= '9') ++pos_;
    }
  }
  void value(int depth)
  {
    if (depth > 256) fail("nesting too deep");
    ws();
    switch (peek()) {
      case '{': {
        ++pos_;
        ws();
        if (peek() == '}') {
          ++pos_;
          return;
        }
        while (true) {
          ws();
          string();
          ws();
          expect(':');
          value(depth + 1);
          ws();
          if (peek() == ',') {
            ++pos_;
            continue;
          }
          expect('}');
          return;
        }
      }
      case '[': {
        ++pos_;
        ws();
        if (peek() == ']') {
          ++pos_;
          return;
        }
        while (true) {
          value(depth + 1);
          ws();
          if (peek() == ',') {
            ++pos_;
            continue;
          }
          expect(']');
          return;
        }
      }
      case '"': string(); return;
      case 't': literal("true"); return;
      case 'f': literal("false"); return;
      case 'n': literal("null"); return;
      default: number();
    }
  }
  std::vector<std::string> string_array()
  {
    if (peek() != '[') fail("\"species\" must be an array of element names");
    ++pos_;
    std::vector<std::string> names;
    ws();
    if (peek() == ']') {
      ++pos_;
      return names;
    }
    while (true) {
      ws();
      if (peek() != '"') fail("\"species\" must be an array of element names (strings)");
      names.push_back(string());
      ws();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      expect(']');
      return names;
    }
  }
};

}    // namespace

std::optional<std::vector<std::string>> card_species(const std::string &text)
{
  return Reader(text).top_level_species();
}

}    // namespace sei
