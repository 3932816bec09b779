// Elements by atomic number: symbols and standard atomic weights, shared by the sei/* pair styles (element names in
// pair_coeff, ZBL charges, the mass check of init_style).
#ifndef SEI_LMP_ELEMENTS_H
#define SEI_LMP_ELEMENTS_H

#include <string>

namespace sei {

// 3 for "Li"; 0 for a name that is no element symbol
int atomic_number(const std::string &symbol);
// "Li" for 3; "Z=200" style text for numbers outside the periodic table
std::string element_symbol(int z);
// standard atomic weight (g/mol) of an element symbol; 0 for a name that is no element symbol
double standard_mass(const std::string &symbol);

}    // namespace sei

#endif
