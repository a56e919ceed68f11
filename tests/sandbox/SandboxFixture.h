#pragma once

// A test rootfs built inside the test: the static probe as /bin/probe plus a few files. Shared by
// the sandbox tests and the kill helper.

#include <QDir>
#include <QFile>
#include <QString>

namespace SandboxFixture {

inline bool copyExecutable(const QString &from, const QString &to)
{
    QFile::remove(to);
    if (!QFile::copy(from, to))
        return false;
    return QFile::setPermissions(to, QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                         QFileDevice::ExeOwner | QFileDevice::ReadGroup |
                                         QFileDevice::ExeGroup | QFileDevice::ReadOther |
                                         QFileDevice::ExeOther);
}

inline bool writeFile(const QString &path, const QByteArray &content)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    return file.write(content) == content.size();
}

// rootfs/{bin/probe, bin/true, fc-sample-job, proc/, dev/, etc/os-release, etc/hosts (to be
// hidden), tmp/, usr/bin/}.
inline bool buildRootfs(const QString &rootfs)
{
    QDir dir(rootfs);
    for (const char *sub : {"bin", "etc", "tmp", "usr/bin", "var/empty", "proc", "dev"})
        if (!dir.mkpath(QString::fromLatin1(sub)))
            return false;
    return copyExecutable(QStringLiteral(FCEMU_SB_PROBE), rootfs + u"/bin/probe"_qs) &&
           copyExecutable(QStringLiteral(FCEMU_SB_TRUE), rootfs + u"/bin/true"_qs) &&
           copyExecutable(QStringLiteral(FCEMU_SAMPLE_JOB), rootfs + u"/fc-sample-job"_qs) &&
           writeFile(rootfs + u"/etc/os-release"_qs, "ID=fcemu-test\n") &&
           writeFile(rootfs + u"/etc/hosts"_qs, "10.9.9.9 image-hosts-file\n");
}

} // namespace SandboxFixture
