#include "InstanceState.h"

namespace Fcemu::Runtime {

QString instanceStateName(InstanceState state)
{
    switch (state) {
    case InstanceState::Starting:
        return u"starting"_qs;
    case InstanceState::Ready:
        return u"ready"_qs;
    case InstanceState::Busy:
        return u"busy"_qs;
    case InstanceState::Idle:
        return u"idle"_qs;
    case InstanceState::Stopping:
        return u"stopping"_qs;
    case InstanceState::Stopped:
        return u"stopped"_qs;
    }
    return {};
}

} // namespace Fcemu::Runtime
