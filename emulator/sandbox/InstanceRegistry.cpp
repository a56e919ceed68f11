#include "InstanceRegistry.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <numeric>
#include <mutex>

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

#include "SandboxLog.h"

namespace Fcemu::Sandbox {

namespace {

constexpr qint64 kEndedKeepMs = 60 * 60 * 1000;
constexpr int kEndedKeepCount = 100;

QJsonArray toArray(const QStringList &list)
{
    QJsonArray array;
    for (const QString &s : list)
        array.append(s);
    return array;
}

QStringList fromArray(const QJsonValue &value)
{
    QStringList list;
    for (const QJsonValue &v : value.toArray())
        list.append(v.toString());
    return list;
}

// A folder we made, ours alone: a real directory (no symlink), owned by us, no access for
// group or others (another user could otherwise plant records that send exec elsewhere).
bool isPrivateFolder(const QByteArray &path, QString *why)
{
    struct stat st;
    if (lstat(path.constData(), &st) != 0) {
        *why = QString::fromLocal8Bit(path) + u": "_qs + errnoText(errno);
        return false;
    }
    if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
        *why = QString::fromLocal8Bit(path) +
               u" is not a folder of this user's alone (mode 0700); remove it"_qs;
        return false;
    }
    return true;
}

bool makePrivateFolder(const QByteArray &path, QString *why)
{
    if (mkdir(path.constData(), 0700) != 0 && errno != EEXIST) {
        *why = QString::fromLocal8Bit(path) + u": "_qs + errnoText(errno);
        return false;
    }
    return isPrivateFolder(path, why);
}

quint64 pidNamespaceInode(qint64 pid)
{
    struct stat st;
    const QByteArray path = "/proc/" + QByteArray::number(pid) + "/ns/pid";
    return stat(path.constData(), &st) == 0 ? quint64(st.st_ino) : 0;
}

} // namespace

QByteArray InstanceRecord::toJson() const
{
    QJsonObject o;
    o[u"id"_qs] = id;
    o[u"initPid"_qs] = initPid;
    o[u"pidNamespace"_qs] = QString::number(pidNsInode);
    o[u"ownerPid"_qs] = ownerPid;
    o[u"uid"_qs] = qint64(uid);
    o[u"gid"_qs] = qint64(gid);
    o[u"env"_qs] = toArray(env);
    o[u"workingDir"_qs] = workingDir;
    o[u"argv"_qs] = toArray(argv);
    o[u"cgroupPaths"_qs] = toArray(cgroupPaths);
    o[u"seccomp"_qs] = seccomp;
    o[u"startedMs"_qs] = startedMs;
    o[u"endedMs"_qs] = endedMs;
    return QJsonDocument(o).toJson(QJsonDocument::Compact) + '\n';
}

Result<InstanceRecord> InstanceRecord::fromJson(const QByteArray &json)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (!doc.isObject())
        return fail(ErrorKind::Io, u"instance record: "_qs + error.errorString());
    const QJsonObject o = doc.object();
    InstanceRecord r;
    r.id = o[u"id"_qs].toString();
    r.initPid = o[u"initPid"_qs].toInteger();
    r.pidNsInode = o[u"pidNamespace"_qs].toString().toULongLong();
    r.ownerPid = o[u"ownerPid"_qs].toInteger();
    r.uid = uint32_t(o[u"uid"_qs].toInteger());
    r.gid = uint32_t(o[u"gid"_qs].toInteger());
    r.env = fromArray(o[u"env"_qs]);
    r.workingDir = o[u"workingDir"_qs].toString(u"/"_qs);
    r.argv = fromArray(o[u"argv"_qs]);
    r.cgroupPaths = fromArray(o[u"cgroupPaths"_qs]);
    r.seccomp = o[u"seccomp"_qs].toBool(true);
    r.startedMs = o[u"startedMs"_qs].toInteger();
    r.endedMs = o[u"endedMs"_qs].toInteger();
    if (r.id.isEmpty() || r.initPid <= 0)
        return fail(ErrorKind::Io, u"instance record without an id or a PID"_qs);
    return r;
}

QString instanceRegistryFolder(QString *why)
{
    QString reason;
    QByteArray base;
    const QByteArray runtime = qgetenv("XDG_RUNTIME_DIR");
    // $XDG_RUNTIME_DIR only when it is this user's (a root shell may carry a user's variable).
    if (!runtime.isEmpty() && isPrivateFolder(runtime, &reason)) {
        base = runtime + "/fcemu";
    } else {
        base = "/tmp/fcemu-" + QByteArray::number(geteuid());
    }
    const QByteArray folder = base + "/instances";
    if (!makePrivateFolder(base, &reason) || !makePrivateFolder(folder, &reason)) {
        if (why != nullptr)
            *why = reason;
        return {};
    }
    return QString::fromLocal8Bit(folder);
}

QString publishInstance(const InstanceRecord &record)
{
    QString why;
    const QString folder = instanceRegistryFolder(&why);
    QString file;
    if (!folder.isEmpty()) {
        file = folder + u'/' + QString::number(record.initPid) + u".json"_qs;
        QSaveFile out(file);
        out.setDirectWriteFallback(false);
        if (!out.open(QIODevice::WriteOnly) || out.write(record.toJson()) < 0 || !out.commit()) {
            why = file + u": "_qs + out.errorString();
            file.clear();
        }
    }
    if (file.isEmpty()) {
        static std::once_flag warned;
        std::call_once(warned, [&why] {
            qCWarning(lcSandbox).noquote()
                << u"cannot record live instances for fcemu exec: "_qs + why;
        });
    }
    return file;
}

void retireInstance(const QString &file, InstanceRecord record)
{
    if (file.isEmpty())
        return;
    record.endedMs = QDateTime::currentMSecsSinceEpoch();
    QSaveFile out(file);
    out.setDirectWriteFallback(false);
    if (!out.open(QIODevice::WriteOnly) || out.write(record.toJson()) < 0 || !out.commit())
        QFile::remove(file);
}

bool isInstanceAlive(const InstanceRecord &record)
{
    return record.endedMs == 0 && record.initPid > 0 && record.pidNsInode != 0 &&
           pidNamespaceInode(record.initPid) == record.pidNsInode;
}

QList<InstanceRecord> listInstances()
{
    const QString folder = instanceRegistryFolder();
    if (folder.isEmpty())
        return {};
    QList<InstanceRecord> live, ended;
    QStringList endedFiles;
    const QDir dir(folder);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (const QString &name : dir.entryList({u"*.json"_qs}, QDir::Files)) {
        const QString path = dir.filePath(name);
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            continue;
        auto record = InstanceRecord::fromJson(file.read(1 << 20));
        file.close();
        if (!record) {
            QFile::remove(path);
            continue;
        }
        if (record->endedMs == 0 && !isInstanceAlive(*record)) {
            // Its init is gone without a word (fcemu was killed): it ended no later than now.
            retireInstance(path, *record);
            record->endedMs = now;
        }
        if (record->endedMs == 0) {
            live.append(*record);
        } else if (now - record->endedMs > kEndedKeepMs) {
            QFile::remove(path);
        } else {
            ended.append(*record);
            endedFiles.append(path);
        }
    }
    const auto newestFirst = [](const InstanceRecord &a, const InstanceRecord &b) {
        return a.startedMs > b.startedMs;
    };
    std::sort(live.begin(), live.end(), newestFirst);
    // Ended ones by end time, newest first; beyond the newest 100 they go.
    QList<int> order(ended.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&ended](int a, int b) { return ended[a].endedMs > ended[b].endedMs; });
    QList<InstanceRecord> result = live;
    for (int i = 0; i < order.size(); ++i) {
        if (i >= kEndedKeepCount)
            QFile::remove(endedFiles[order[i]]);
        else
            result.append(ended[order[i]]);
    }
    return result;
}

Result<InstanceRecord> findLiveInstance(const QString &query)
{
    if (query.isEmpty())
        return fail(ErrorKind::Usage, u"no instance named"_qs);
    const QList<InstanceRecord> all = listInstances();
    QList<InstanceRecord> liveMatches;
    const InstanceRecord *endedMatch = nullptr;
    for (const InstanceRecord &r : all) {
        if (!r.id.startsWith(query))
            continue;
        if (r.endedMs == 0) {
            if (r.id == query)
                return r; // an exact id wins over longer ids it prefixes
            liveMatches.append(r);
        } else if (endedMatch == nullptr) {
            endedMatch = &r;
        }
    }
    if (liveMatches.size() == 1)
        return liveMatches.first();
    if (liveMatches.size() > 1) {
        QStringList ids;
        for (const InstanceRecord &r : std::as_const(liveMatches))
            ids.append(r.id);
        return fail(ErrorKind::Usage,
                    u"instance '%1' is ambiguous: it starts %2"_qs.arg(query, ids.join(u", "_qs)));
    }
    if (endedMatch != nullptr)
        return fail(
            ErrorKind::Usage,
            u"instance %1 has stopped (at %2); start it again, then exec into the new "
            u"instance"_qs.arg(
                endedMatch->id,
                QDateTime::fromMSecsSinceEpoch(endedMatch->endedMs).toString(u"HH:mm:ss"_qs)));
    QStringList running;
    for (const InstanceRecord &r : all)
        if (r.endedMs == 0)
            running.append(r.id);
    return fail(ErrorKind::Usage,
                u"no running instance '%1' for this user (%2)"_qs.arg(
                    query, running.isEmpty() ? u"none is running"_qs
                                             : u"running: "_qs + running.mid(0, 5).join(u", "_qs) +
                                                   (running.size() > 5 ? u", ..."_qs : QString())));
}

} // namespace Fcemu::Sandbox
