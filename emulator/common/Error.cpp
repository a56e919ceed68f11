#include "Error.h"

#include <cstring>

namespace Fcemu {

int exitCodeFor(ErrorKind kind)
{
    switch (kind) {
    case ErrorKind::FunctionFailed:
        return 1;
    case ErrorKind::Usage:
    case ErrorKind::Io:
    case ErrorKind::Cancelled:
        return 2;
    case ErrorKind::ImageRefused:
        return 3;
    case ErrorKind::Platform:
        return 4;
    }
    return 2;
}

QString errnoText(int errnum)
{
    char buffer[256];
    return QString::fromLocal8Bit(strerror_r(errnum, buffer, sizeof buffer));
}

} // namespace Fcemu
