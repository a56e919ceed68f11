#pragma once

// Where `fcemu exec` finds live instances. Instances live in other processes (`fcemu serve`,
// `fcemu-gui`, `fcemu invoke`), so each one leaves a small record in a folder of the user's own
// while it runs: `$XDG_RUNTIME_DIR/fcemu/instances/` (else `/tmp/fcemu-<uid>/instances/`, a
// 0700 folder checked to be ours). The record holds what entering the instance needs: init's
// host PID and PID namespace (to tell a live init from a reused PID), the function's ids,
// environment and working folder, the cgroup folders and whether the seccomp filter is on.
// When the instance ends its record is marked ended (so exec can say "it has stopped"), and
// ended or stale records (their init gone, e.g. fcemu was killed) are cleaned up as the folder
// is listed.

#include <cstdint>

#include <QList>
#include <QString>
#include <QStringList>

#include "common/Error.h"

namespace Fcemu::Sandbox {

struct InstanceRecord
{
    QString id;             // the runtime's instance id (the sandbox's hostname)
    qint64 initPid = 0;     // host PID of fcemu-init
    quint64 pidNsInode = 0; // /proc/<initPid>/ns/pid's inode: the same PID, the same instance
    qint64 ownerPid = 0;    // the fcemu process that runs it
    uint32_t uid = 0, gid = 0;
    QStringList env;
    QString workingDir = u"/"_qs;
    QStringList argv;        // the function's command (shown by exec's listing)
    QStringList cgroupPaths; // the instance's cgroup folders; empty: none (memory is polled)
    bool seccomp = true;
    qint64 startedMs = 0, endedMs = 0; // ms since the epoch; endedMs 0 while it runs

    QByteArray toJson() const;
    static Result<InstanceRecord> fromJson(const QByteArray &json);
};

// The folder of records, created (0700) when missing; empty with the reason in *why when no
// safe folder can be had.
QString instanceRegistryFolder(QString *why = nullptr);

// Writes the record of a starting instance; returns its file (empty when it could not be
// written: exec then cannot find this instance, which the caller logs once).
QString publishInstance(const InstanceRecord &record);
// Marks the record in `file` ended now.
void retireInstance(const QString &file, InstanceRecord record);

// True while the record's init is the process that runs at its PID.
bool isInstanceAlive(const InstanceRecord &record);

// Every record in the folder, live ones first then ended ones, newest first in each; stale
// records are marked ended, and ended ones past an hour (or beyond the newest 100) deleted.
QList<InstanceRecord> listInstances();

// The live instance whose id is `query` or starts with it. Errors (ErrorKind::Usage, one line):
// no such instance, an instance that has stopped, an ambiguous prefix.
Result<InstanceRecord> findLiveInstance(const QString &query);

} // namespace Fcemu::Sandbox
