#include "ace/ace_yaml.h"

#include "common/potential_text.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace sei::ace {

const YamlNode *YamlNode::find(const std::string &key) const
{
  for (const auto &kv : map)
    if (kv.first == key) return &kv.second;
  return nullptr;
}

namespace {

// One logical line: indentation, content without the comment, 1-based line number.
// A flow collection left open is continued on the next lines, so each logical line is complete.
struct Line {
  int indent;
  std::string text;
  int number;
};

[[noreturn]] void fail_at(const std::string &source, int line, const std::string &message)
{
  std::ostringstream out;
  out << source << ":" << line << ": " << message;
  throw PotentialFileError(out.str());
}

std::string trim(const std::string &s)
{
  size_t a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return "";
  size_t b = s.find_last_not_of(" \t\r");
  return s.substr(a, b - a + 1);
}

// strip a '#' comment that is not inside quotes; returns the bracket balance of what is left
std::string strip_comment(const std::string &s, int &balance)
{
  char quote = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quote) {
      if (quote == '"' && c == '\\') ++i;    // escaped character inside a double-quoted string
      else if (c == quote) quote = 0;
      continue;
    }
    if (c == '\'' || c == '"') quote = c;
    else if (c == '#' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t')) return s.substr(0, i);
    else if (c == '[' || c == '{') ++balance;
    else if (c == ']' || c == '}') --balance;
  }
  return s;
}

std::vector<Line> logical_lines(const std::string &text, const std::string &source)
{
  std::vector<Line> lines;
  std::istringstream in(text);
  std::string raw;
  int number = 0;
  while (std::getline(in, raw)) {
    ++number;
    if (!raw.empty() && raw.back() == '\r') raw.pop_back();
    int balance = 0;
    std::string body = strip_comment(raw, balance);
    if (trim(body).empty()) continue;
    if (trim(body) == "---" || trim(body) == "...") continue;
    int indent = 0;
    while (indent < static_cast<int>(body.size()) && body[indent] == ' ') ++indent;
    if (indent < static_cast<int>(body.size()) && body[indent] == '\t')
      fail_at(source, number, "tab used for indentation (YAML needs spaces)");
    const int start = number;
    while (balance > 0 && std::getline(in, raw)) {
      ++number;
      body += " " + strip_comment(raw, balance);
    }
    if (balance != 0) fail_at(source, start, "unbalanced brackets in a flow sequence or mapping");
    lines.push_back({indent, trim(body), start});
  }
  return lines;
}

// Recursive-descent parser for flow collections and scalars inside one logical line.
class Flow {
 public:
  Flow(const std::string &s, int line, const std::string &source) : s_(s), line_(line), source_(source) {}

  YamlNode value()
  {
    skip();
    YamlNode node;
    node.line = line_;
    if (pos_ >= s_.size()) return node;
    if (s_[pos_] == '[') {
      node.kind = YamlNode::Sequence;
      ++pos_;
      skip();
      if (peek() == ']') {
        ++pos_;
        return node;
      }
      while (true) {
        node.items.push_back(value());
        skip();
        char c = peek();
        ++pos_;
        if (c == ']') break;
        if (c != ',') fail("expected ',' or ']' in a flow sequence");
      }
      return node;
    }
    if (s_[pos_] == '{') {
      node.kind = YamlNode::Mapping;
      ++pos_;
      skip();
      if (peek() == '}') {
        ++pos_;
        return node;
      }
      while (true) {
        skip();
        std::string key = flow_key();
        skip();
        if (peek() != ':') fail("expected ':' after key '" + key + "' in a flow mapping");
        ++pos_;
        node.map.emplace_back(key, value());
        skip();
        char c = peek();
        ++pos_;
        if (c == '}') break;
        if (c != ',') fail("expected ',' or '}' in a flow mapping");
      }
      return node;
    }
    node.kind = YamlNode::Scalar;
    node.text = scalar();
    return node;
  }

  bool done()
  {
    skip();
    return pos_ >= s_.size();
  }
  size_t pos() const { return pos_; }
  [[noreturn]] void fail(const std::string &message) const
  {
    fail_at(source_, line_, message + " (at column " + std::to_string(pos_ + 1) + " of '" +
                                (s_.size() > 60 ? s_.substr(0, 60) + "..." : s_) + "')");
  }

  // key of a mapping entry: a flow sequence (joined with ',') or a scalar
  std::string flow_key()
  {
    skip();
    if (peek() == '[') {
      YamlNode k = value();
      std::string joined;
      for (size_t i = 0; i < k.items.size(); ++i) joined += (i ? "," : "") + k.items[i].text;
      return joined;
    }
    return scalar(true);
  }

 private:
  const std::string &s_;
  size_t pos_ = 0;
  int line_;
  const std::string &source_;

  char peek() const
  {
    if (pos_ >= s_.size()) fail("unexpected end of line");
    return s_[pos_];
  }
  void skip()
  {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t')) ++pos_;
  }
  // plain scalars end at ',', ']', '}' and (for keys) at ': '
  std::string scalar(bool key = false)
  {
    skip();
    if (pos_ < s_.size() && (s_[pos_] == '"' || s_[pos_] == '\'')) {
      const char q = s_[pos_++];
      std::string out;
      while (true) {
        if (pos_ >= s_.size()) fail("unterminated quoted string");
        char c = s_[pos_++];
        if (c == q) {
          if (q == '\'' && pos_ < s_.size() && s_[pos_] == '\'') {    // '' is a quote in single quotes
            out += c;
            ++pos_;
            continue;
          }
          break;
        }
        if (q == '"' && c == '\\' && pos_ < s_.size()) {
          c = s_[pos_++];
          if (c == 'n') c = '\n';
          else if (c == 't') c = '\t';
        }
        out += c;
      }
      return out;
    }
    size_t start = pos_;
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == ',' || c == ']' || c == '}') break;
      if (c == ':' && (pos_ + 1 >= s_.size() || s_[pos_ + 1] == ' ' || key)) break;
      ++pos_;
    }
    return trim(s_.substr(start, pos_ - start));
  }
};

class Block {
 public:
  Block(std::vector<Line> lines, const std::string &source) : lines_(std::move(lines)), source_(source) {}

  YamlNode document()
  {
    if (lines_.empty()) return YamlNode();
    YamlNode root = node(lines_[0].indent);
    if (i_ < lines_.size())
      fail_at(source_, lines_[i_].number, "unexpected indentation (the line does not belong to any block)");
    return root;
  }

 private:
  std::vector<Line> lines_;
  const std::string &source_;
  size_t i_ = 0;

  static bool is_item(const std::string &t) { return t == "-" || t.rfind("- ", 0) == 0; }

  // position of the ':' that ends a block mapping key, or npos
  static size_t key_colon(const std::string &t)
  {
    if (t.empty()) return std::string::npos;
    if (t[0] == '[') {    // flow-sequence key
      int depth = 0;
      for (size_t k = 0; k < t.size(); ++k) {
        if (t[k] == '[') ++depth;
        else if (t[k] == ']' && --depth == 0) return (k + 1 < t.size() && t[k + 1] == ':') ? k + 1 : std::string::npos;
      }
      return std::string::npos;
    }
    if (t[0] == '{' || t[0] == '"' || t[0] == '\'') return std::string::npos;
    for (size_t k = 0; k < t.size(); ++k)
      if (t[k] == ':' && (k + 1 == t.size() || t[k + 1] == ' ')) return k;
    return std::string::npos;
  }

  YamlNode inline_value(const std::string &text, int number)
  {
    Flow flow(text, number, source_);
    YamlNode v = flow.value();
    if (!flow.done()) flow.fail("unexpected text after a value");
    return v;
  }

  YamlNode node(int indent)
  {
    const Line &first = lines_[i_];
    if (is_item(first.text)) return sequence(indent);
    if (key_colon(first.text) != std::string::npos) return mapping(indent, first.text, first.number);
    ++i_;
    return inline_value(first.text, first.number);
  }

  // value after "key:" on the same line, or the indented block below it
  YamlNode value_of(const std::string &rest, int number, int indent)
  {
    if (!trim(rest).empty()) return inline_value(trim(rest), number);
    if (i_ < lines_.size() && (lines_[i_].indent > indent || (lines_[i_].indent == indent && is_item(lines_[i_].text))))
      return node(lines_[i_].indent);
    YamlNode null;
    null.line = number;
    return null;
  }

  YamlNode mapping(int indent, std::string first_text, int first_number)
  {
    YamlNode node;
    node.kind = YamlNode::Mapping;
    node.line = first_number;
    bool first = true;
    while (i_ < lines_.size()) {
      std::string text = first ? first_text : lines_[i_].text;
      const int number = lines_[i_].number;
      if (!first) {
        if (lines_[i_].indent < indent) break;
        if (lines_[i_].indent > indent) fail_at(source_, number, "unexpected indentation inside a mapping");
        if (is_item(text)) break;
      }
      first = false;
      size_t colon = key_colon(text);
      if (colon == std::string::npos) fail_at(source_, number, "expected 'key: value', found '" + text + "'");
      std::string key_text = trim(text.substr(0, colon));
      std::string key;
      if (!key_text.empty() && key_text[0] == '[') {
        Flow flow(key_text, number, source_);
        key = flow.flow_key();
      } else {
        key = key_text;
        if (key.size() >= 2 && (key[0] == '"' || key[0] == '\'')) key = key.substr(1, key.size() - 2);
      }
      ++i_;
      if (node.find(key)) fail_at(source_, number, "duplicate key '" + key + "'");
      node.map.emplace_back(key, value_of(text.substr(colon + 1), number, indent));
    }
    return node;
  }

  YamlNode sequence(int indent)
  {
    YamlNode node;
    node.kind = YamlNode::Sequence;
    node.line = lines_[i_].number;
    while (i_ < lines_.size() && lines_[i_].indent == indent && is_item(lines_[i_].text)) {
      const Line line = lines_[i_];
      std::string rest = line.text.size() > 1 ? trim(line.text.substr(2)) : "";
      if (rest.empty()) {
        ++i_;
        node.items.push_back(value_of("", line.number, indent));
        continue;
      }
      // "- key: value" opens a mapping whose keys line up with 'key'
      const int inner = indent + static_cast<int>(line.text.find(rest));
      if (key_colon(rest) != std::string::npos) {
        node.items.push_back(mapping(inner, rest, line.number));
      } else {
        ++i_;
        node.items.push_back(inline_value(rest, line.number));
      }
    }
    if (i_ < lines_.size() && lines_[i_].indent > indent)
      fail_at(source_, lines_[i_].number, "unexpected indentation inside a sequence");
    return node;
  }
};

}    // namespace

YamlNode parse_yaml(const std::string &text, const std::string &source)
{
  Block block(logical_lines(text, source), source);
  return block.document();
}

void YamlReader::fail(const YamlNode &node, const std::string &message) const
{
  fail_at(source_, node.line, message);
}

const YamlNode &YamlReader::child(const YamlNode &map, const std::string &key, const std::string &where) const
{
  if (map.kind != YamlNode::Mapping) fail(map, where + " must be a mapping");
  const YamlNode *n = map.find(key);
  if (!n) fail(map, "missing key '" + key + "' in " + where);
  return *n;
}

double YamlReader::number(const YamlNode &node, const std::string &what) const
{
  if (node.kind != YamlNode::Scalar) fail(node, "expected a number for " + what);
  const char *s = node.text.c_str();
  char *end = nullptr;
  errno = 0;
  double v = std::strtod(s, &end);
  if (end == s || *end != '\0' || errno == ERANGE)
    fail(node, "expected a number for " + what + ", found '" + node.text + "'");
  if (!std::isfinite(v))
    fail(node, "non-finite value '" + node.text + "' for " + what +
                   ": the file is damaged or comes from a diverged fit; refit or restore it");
  return v;
}

long YamlReader::integer(const YamlNode &node, const std::string &what) const
{
  if (node.kind != YamlNode::Scalar) fail(node, "expected an integer for " + what);
  const char *s = node.text.c_str();
  char *end = nullptr;
  errno = 0;
  long v = std::strtol(s, &end, 10);
  if (end == s || *end != '\0' || errno == ERANGE)
    fail(node, "expected an integer for " + what + ", found '" + node.text + "'");
  return v;
}

std::string YamlReader::word(const YamlNode &node, const std::string &what) const
{
  if (node.kind != YamlNode::Scalar) fail(node, "expected a word for " + what);
  return node.text;
}

const YamlNode &YamlReader::sequence(const YamlNode &node, const std::string &what) const
{
  if (node.kind != YamlNode::Sequence) fail(node, "expected a sequence [...] for " + what);
  return node;
}

const YamlNode &YamlReader::mapping(const YamlNode &node, const std::string &what) const
{
  if (node.kind != YamlNode::Mapping) fail(node, "expected a mapping for " + what);
  return node;
}

std::vector<double> YamlReader::numbers(const YamlNode &node, const std::string &what) const
{
  std::vector<double> out;
  for (const auto &item : sequence(node, what).items) out.push_back(number(item, what));
  return out;
}

std::vector<long> YamlReader::integers(const YamlNode &node, const std::string &what) const
{
  std::vector<long> out;
  for (const auto &item : sequence(node, what).items) out.push_back(integer(item, what));
  return out;
}

}    // namespace sei::ace
