#pragma once

// Reading and writing the small files of a cgroup hierarchy (Cgroup.cpp, CgroupHost.cpp).

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

#include <QByteArray>
#include <QFile>
#include <QString>

#include "common/UniqueFd.h"

namespace Fcemu::Sandbox::Detail {

inline QByteArray readSmallFile(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll();
}

// Writes value to path; returns 0 or errno.
inline int writeValue(const QString &path, const QByteArray &value)
{
    UniqueFd fd(::open(QFile::encodeName(path).constData(), O_WRONLY | O_CLOEXEC));
    if (!fd)
        return errno;
    if (::write(fd.get(), value.constData(), size_t(value.size())) != value.size())
        return errno != 0 ? errno : EIO;
    return 0;
}

} // namespace Fcemu::Sandbox::Detail
