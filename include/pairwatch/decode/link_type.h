// The link types pairwatch decodes, keyed by libpcap's DLT values.
#pragma once

#include <string>
#include <string_view>

namespace pairwatch::decode {

/// True when the decoder has a link-layer decoder for this DLT.
[[nodiscard]] bool link_type_supported(int dlt);

/// "EN10MB (Ethernet)"-style text for messages, from libpcap's own names.
[[nodiscard]] std::string link_type_name(int dlt);

/// Comma-separated list of what is supported, for the error when a source is not.
[[nodiscard]] std::string supported_link_types();

} // namespace pairwatch::decode
