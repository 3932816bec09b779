#include "common/potential_text.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace sei {

namespace {
bool is_separator(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v' || c == '=' ||
      c == ',' || c == '{' || c == '}';
}
}    // namespace

std::vector<Token> tokenize(const std::string &text)
{
  std::vector<Token> tokens;
  int line = 1;
  size_t i = 0;
  const size_t n = text.size();
  bool line_start = true;
  while (i < n) {
    char c = text[i];
    if (c == '\n') {
      ++line;
      line_start = true;
      ++i;
      continue;
    }
    if (is_separator(c)) {
      ++i;
      continue;
    }
    if (c == '#' && line_start) {
      while (i < n && text[i] != '\n') ++i;
      continue;
    }
    line_start = false;
    size_t start = i;
    while (i < n && !is_separator(text[i])) ++i;
    tokens.push_back({text.substr(start, i - start), line});
  }
  return tokens;
}

TokenStream::TokenStream(std::vector<Token> tokens, std::string source) :
    tokens_(std::move(tokens)), source_(std::move(source))
{
}

const Token &TokenStream::peek() const
{
  if (at_end()) fail("unexpected end of file");
  return tokens_[pos_];
}

const Token &TokenStream::next(const std::string &what)
{
  if (at_end()) fail("unexpected end of file while reading " + what);
  return tokens_[pos_++];
}

void TokenStream::expect(const std::string &text, const std::string &context)
{
  const Token &t = next(context);
  if (t.text != text) fail("expected '" + text + "' " + context + ", found '" + t.text + "'", t.line);
}

double TokenStream::number(const std::string &what)
{
  const Token &t = next(what);
  const char *s = t.text.c_str();
  char *end = nullptr;
  errno = 0;
  double v = std::strtod(s, &end);
  if (end == s || *end != '\0' || errno == ERANGE)
    fail("expected a number for " + what + ", found '" + t.text + "'", t.line);
  if (!std::isfinite(v))
    fail("non-finite value '" + t.text + "' for " + what +
         ": the file is damaged or comes from a diverged fit; refit or restore it", t.line);
  return v;
}

long TokenStream::integer(const std::string &what)
{
  const Token &t = next(what);
  const char *s = t.text.c_str();
  char *end = nullptr;
  errno = 0;
  long v = std::strtol(s, &end, 10);
  if (end == s || *end != '\0' || errno == ERANGE)
    fail("expected an integer for " + what + ", found '" + t.text + "'", t.line);
  return v;
}

void TokenStream::skip_rest_of_line()
{
  if (pos_ == 0) return;
  const int current = tokens_[pos_ - 1].line;
  while (!at_end() && tokens_[pos_].line == current) ++pos_;
}

int TokenStream::line() const
{
  if (pos_ == 0) return tokens_.empty() ? 0 : tokens_[0].line;
  return tokens_[pos_ - 1].line;
}

void TokenStream::fail(const std::string &message, int line) const
{
  if (line < 0) line = at_end() ? (tokens_.empty() ? 0 : tokens_.back().line) : tokens_[pos_].line;
  std::ostringstream out;
  out << source_ << ":" << line << ": " << message;
  throw PotentialFileError(out.str());
}

std::string read_file(const std::string &path)
{
  std::ifstream in(path, std::ios::binary);
  if (!in) throw PotentialFileError("cannot open potential file '" + path + "': " + std::strerror(errno));
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) throw PotentialFileError("error while reading potential file '" + path + "'");
  return buf.str();
}

}    // namespace sei
