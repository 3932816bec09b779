// The YAML subset that pacemaker / python-ace write (`.yace`, B-basis `.yaml`): block mappings and
// sequences by indentation, flow mappings `{a: 1}` and sequences `[1, 2]` (nested, possibly over several
// lines), flow sequences as mapping keys (`[0, 1]: {...}`), plain or quoted scalars, `#` comments.
// No anchors, tags or multi-document streams. Errors name file:line.
#ifndef SEI_LMP_ACE_YAML_H
#define SEI_LMP_ACE_YAML_H

#include <string>
#include <utility>
#include <vector>

namespace sei::ace {

struct YamlNode {
  enum Kind { Null, Scalar, Sequence, Mapping };
  Kind kind = Null;
  int line = 0;                                         // 1-based line where the node starts
  std::string text;                                     // scalar text (quotes removed)
  std::vector<YamlNode> items;                          // sequence items
  std::vector<std::pair<std::string, YamlNode>> map;    // mapping entries in file order; a flow-sequence
                                                        // key is stored as its items joined by ",": "0,1"
  const YamlNode *find(const std::string &key) const;
};

// Parse a whole document; throws sei::PotentialFileError("<source>:<line>: ...") on syntax errors.
YamlNode parse_yaml(const std::string &text, const std::string &source);

// Typed access with messages that name the file, line and key.
class YamlReader {
 public:
  explicit YamlReader(std::string source) : source_(std::move(source)) {}
  const YamlNode &child(const YamlNode &map, const std::string &key, const std::string &where) const;
  const YamlNode *optional(const YamlNode &map, const std::string &key) const { return map.find(key); }
  double number(const YamlNode &node, const std::string &what) const;
  long integer(const YamlNode &node, const std::string &what) const;
  std::string word(const YamlNode &node, const std::string &what) const;
  std::vector<double> numbers(const YamlNode &node, const std::string &what) const;
  std::vector<long> integers(const YamlNode &node, const std::string &what) const;
  const YamlNode &sequence(const YamlNode &node, const std::string &what) const;
  const YamlNode &mapping(const YamlNode &node, const std::string &what) const;
  [[noreturn]] void fail(const YamlNode &node, const std::string &message) const;
  const std::string &source() const { return source_; }

 private:
  std::string source_;
};

}    // namespace sei::ace

#endif
