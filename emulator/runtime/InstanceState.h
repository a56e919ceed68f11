#pragma once

// The life of one function instance, as the pool reports it and the panels show it.

#include <QMetaType>
#include <QString>

namespace Fcemu::Runtime {

enum class InstanceState { Starting, Ready, Busy, Idle, Stopping, Stopped };

// "starting", "ready", "busy", "idle", "stopping", "stopped"
QString instanceStateName(InstanceState state);

} // namespace Fcemu::Runtime

Q_DECLARE_METATYPE(Fcemu::Runtime::InstanceState)
