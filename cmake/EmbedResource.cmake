# Script mode: writes OUTPUT, a C++ file defining pictor::resources::NAME() with INPUT's bytes.
file(READ ${INPUT} hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){32})" "\\1\n" bytes "${bytes}")
file(WRITE ${OUTPUT}
"// Generated from ${INPUT} by cmake/EmbedResource.cmake. Do not edit.\n"
"#include <string_view>\n"
"namespace pictor::resources {\n"
"static const unsigned char ${NAME}_data[] = {\n${bytes}0};\n"
"std::string_view ${NAME}() { return {reinterpret_cast<const char*>(${NAME}_data), ${size}}; }\n"
"}\n")
