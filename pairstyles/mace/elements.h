// Chemical symbols by atomic number, to match pair_coeff element names with a model's atomic numbers.
#ifndef SEI_LMP_MACE_ELEMENTS_H
#define SEI_LMP_MACE_ELEMENTS_H

#include <string>

namespace sei::mace {

// "Li" for 3; "Z=200" style text for numbers outside the periodic table
std::string element_symbol(int z);

}    // namespace sei::mace

#endif
