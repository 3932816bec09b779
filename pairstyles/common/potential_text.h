// Tokenizer for the text potential formats read by sei_lmp pair styles.
// No LAMMPS headers here: the readers built on it are usable (and testable) on their own.
#ifndef SEI_LMP_POTENTIAL_TEXT_H
#define SEI_LMP_POTENTIAL_TEXT_H

#include <stdexcept>
#include <string>
#include <vector>

namespace sei {

// A potential file that cannot be used. The message says what is wrong and where.
class PotentialFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Token {
  std::string text;
  int line;    // 1-based line in the file
};

// Splits text into tokens separated by whitespace (CR, TAB included), '=', ',', '{' and '}'.
// Lines whose first non-blank character is '#' are comments. A '-' never separates,
// so "0-1" pair labels and "-1.5e-03" numbers stay whole.
std::vector<Token> tokenize(const std::string &text);

class TokenStream {
 public:
  TokenStream(std::vector<Token> tokens, std::string source);

  bool at_end() const { return pos_ >= tokens_.size(); }
  const Token &peek() const;
  const Token &next(const std::string &what);
  void expect(const std::string &text, const std::string &context);
  double number(const std::string &what);
  long integer(const std::string &what);
  // skip what is left of the line of the previous token (e.g. free text after a key)
  void skip_rest_of_line();
  // the line number of the previous token, for messages
  int line() const;
  [[noreturn]] void fail(const std::string &message, int line = -1) const;

 private:
  std::vector<Token> tokens_;
  std::string source_;
  size_t pos_ = 0;
};

// Whole file as bytes; throws PotentialFileError if it cannot be read.
std::string read_file(const std::string &path);

}    // namespace sei

#endif
