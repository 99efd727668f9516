// libpcap-backed sources: capture files (pcap, pcapng, standard input) and live interfaces.
#pragma once

#include "pairwatch/capture/packet_source.h"

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace pairwatch::capture {

/// A source that cannot be opened: the message is the one line the user sees.
class CaptureError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct LiveOptions {
    std::string interface;
    int snaplen = 262144;
    bool promiscuous = true;
    int buffer_kib = 0; // 0: libpcap's default
    std::string filter;
    int read_timeout_ms = 100;
};

/// Opens FILE ("-" is standard input). Throws CaptureError with a one-line reason.
std::unique_ptr<PacketSource> open_capture_file(const std::string& path,
                                               const std::string& filter = {});

/// Opens a live interface. Throws CaptureError with a one-line reason and the fix.
std::unique_ptr<PacketSource> open_live(const LiveOptions& options);

struct InterfaceDescription {
    std::string name;
    std::string description;
    bool up = false;
    bool running = false;
    bool loopback = false;
};

/// What `-D` lists; throws CaptureError when libpcap cannot enumerate.
std::vector<InterfaceDescription> list_interfaces();

} // namespace pairwatch::capture
