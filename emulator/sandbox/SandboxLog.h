#pragma once

#include <QLoggingCategory>

namespace Fcemu::Sandbox {
Q_DECLARE_LOGGING_CATEGORY(lcSandbox)
}
