#include "pairwatch/services/flow_label.h"

#include "pairwatch/services/proto.h"

namespace pairwatch::services {

std::string_view to_string(LabelSource s) {
    switch (s) {
    case LabelSource::RespPort:
        return "resp_port";
    case LabelSource::OrigPort:
        return "orig_port";
    case LabelSource::None:
        break;
    }
    return {};
}

FlowLabel label_flow(const flow::Flow& flow, const ServiceRegistry& registry) {
    FlowLabel label;
    const Proto proto = flow.is_tcp() ? Proto::Tcp : Proto::Udp;
    label.category = category_of(flow.resp_port());
    if (auto s = registry.lookup(proto, flow.resp_port())) {
        label.service = s;
        label.source = LabelSource::RespPort;
    } else if (auto o = registry.lookup(proto, flow.orig_port())) {
        label.service = o;
        label.source = LabelSource::OrigPort;
    }
    return label;
}

} // namespace pairwatch::services
