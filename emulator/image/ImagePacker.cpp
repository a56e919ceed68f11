#include "ImagePacker.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>

#include <QDateTime>
#include <QFile>
#include <QFileInfo>

#include <nlohmann/json.hpp>

#include "common/UniqueFd.h"

namespace Fcemu::Image {

namespace {

using json = nlohmann::json;
using WriterPtr = std::unique_ptr<archive, decltype(&archive_write_free)>;
using EntryPtr = std::unique_ptr<archive_entry, decltype(&archive_entry_free)>;

struct MemorySink
{
    QByteArray data;
};

la_ssize_t memoryWrite(archive *, void *opaque, const void *buffer, size_t length)
{
    static_cast<MemorySink *>(opaque)->data.append(static_cast<const char *>(buffer),
                                                   qsizetype(length));
    return la_ssize_t(length);
}

QString archiveError(archive *a)
{
    const char *t = archive_error_string(a);
    return QString::fromUtf8(t ? t : "unknown error");
}

struct Walker
{
    archive *writer;
    std::map<std::pair<dev_t, ino_t>, QByteArray> seenInodes;
    QString root;
    QStringList skipped;

    Status walk(int dirFd, const QByteArray &prefix, int depth)
    {
        if (depth > 256)
            return fail(ErrorKind::Usage, root + u": folders nested too deeply"_qs);
        UniqueFd listFd(::openat(dirFd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        DIR *dir = listFd ? ::fdopendir(listFd.release()) : nullptr;
        if (!dir)
            return fail(ErrorKind::Io,
                        root + u'/' + QString::fromUtf8(prefix) + u": " + errnoText(errno));
        std::vector<QByteArray> names;
        while (dirent *e = ::readdir(dir)) {
            const QByteArray n(e->d_name);
            if (n != "." && n != "..")
                names.push_back(n);
        }
        ::closedir(dir);
        std::sort(names.begin(), names.end());
        for (const QByteArray &n : names) {
            struct stat st;
            if (::fstatat(dirFd, n.constData(), &st, AT_SYMLINK_NOFOLLOW) != 0)
                return fail(ErrorKind::Io,
                            root + u'/' + QString::fromUtf8(prefix + n) + u": " + errnoText(errno));
            const QByteArray path = prefix + n;
            EntryPtr entry(archive_entry_new(), archive_entry_free);
            archive_entry_copy_stat(entry.get(), &st);
            archive_entry_set_uid(entry.get(), 0);
            archive_entry_set_gid(entry.get(), 0);
            archive_entry_set_uname(entry.get(), "root");
            archive_entry_set_gname(entry.get(), "root");
            archive_entry_unset_atime(entry.get());
            archive_entry_unset_ctime(entry.get());
            archive_entry_set_pathname(entry.get(),
                                       (S_ISDIR(st.st_mode) ? path + '/' : path).constData());
            UniqueFd fileFd;
            if (S_ISLNK(st.st_mode)) {
                char target[4096];
                const ssize_t len = ::readlinkat(dirFd, n.constData(), target, sizeof target - 1);
                if (len < 0)
                    return fail(ErrorKind::Io,
                                root + u'/' + QString::fromUtf8(path) + u": " + errnoText(errno));
                target[len] = 0;
                archive_entry_set_symlink(entry.get(), target);
            } else if (S_ISREG(st.st_mode)) {
                if (st.st_nlink > 1) {
                    const auto key = std::make_pair(st.st_dev, st.st_ino);
                    if (auto it = seenInodes.find(key); it != seenInodes.end()) {
                        archive_entry_set_hardlink(entry.get(), it->second.constData());
                        archive_entry_set_size(entry.get(), 0);
                    } else {
                        seenInodes.emplace(key, path);
                    }
                }
                if (!archive_entry_hardlink(entry.get())) {
                    fileFd.reset(::openat(dirFd, n.constData(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
                    if (!fileFd)
                        return fail(ErrorKind::Io, root + u'/' + QString::fromUtf8(path) + u": " +
                                                       errnoText(errno));
                }
            } else if (!S_ISDIR(st.st_mode) && !S_ISFIFO(st.st_mode)) {
                skipped.append(QString::fromUtf8(path));
                continue;
            }
            if (archive_write_header(writer, entry.get()) != ARCHIVE_OK)
                return fail(ErrorKind::Io,
                            QString::fromUtf8(path) + u": "_qs + archiveError(writer));
            if (fileFd) {
                char buffer[1 << 16];
                for (;;) {
                    const ssize_t r = ::read(fileFd.get(), buffer, sizeof buffer);
                    if (r < 0)
                        return fail(ErrorKind::Io,
                                    QString::fromUtf8(path) + u": "_qs + errnoText(errno));
                    if (r == 0)
                        break;
                    if (archive_write_data(writer, buffer, size_t(r)) < 0)
                        return fail(ErrorKind::Io,
                                    QString::fromUtf8(path) + u": "_qs + archiveError(writer));
                }
            }
            if (S_ISDIR(st.st_mode)) {
                UniqueFd sub(::openat(dirFd, n.constData(),
                                      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
                if (!sub)
                    return fail(ErrorKind::Io,
                                root + u'/' + QString::fromUtf8(path) + u": " + errnoText(errno));
                if (auto r = walk(sub.get(), path + '/', depth + 1); !r)
                    return r;
            }
        }
        return {};
    }
};

json stringArray(const QStringList &list)
{
    json out = json::array();
    for (const QString &s : list)
        out.push_back(s.toStdString());
    return out;
}

QByteArray dumpJson(const json &j)
{
    return QByteArray::fromStdString(j.dump());
}

} // namespace

Result<LayerBlob> layerFromTar(const QByteArray &tar, const QString &compression)
{
    LayerBlob blob;
    blob.diffId = Hasher::sha256(tar);
    if (compression == u"none"_qs) {
        blob.data = tar;
        blob.mediaType = u"application/vnd.oci.image.layer.v1.tar"_qs;
    } else {
        WriterPtr w(archive_write_new(), archive_write_free);
        if (compression == u"zstd"_qs) {
            archive_write_add_filter_zstd(w.get());
            blob.mediaType = u"application/vnd.oci.image.layer.v1.tar+zstd"_qs;
        } else if (compression == u"gzip"_qs) {
            archive_write_add_filter_gzip(w.get());
            archive_write_set_filter_option(w.get(), "gzip", "timestamp", nullptr); // reproducible
            blob.mediaType = u"application/vnd.oci.image.layer.v1.tar+gzip"_qs;
        } else {
            return fail(ErrorKind::Usage, u"unknown layer compression '"_qs + compression +
                                              u"' (gzip, zstd or none)");
        }
        archive_write_set_format_raw(w.get());
        archive_write_set_bytes_in_last_block(w.get(), 1);
        MemorySink sink;
        if (archive_write_open(w.get(), &sink, nullptr, memoryWrite, nullptr) != ARCHIVE_OK)
            return fail(ErrorKind::Io, archiveError(w.get()));
        EntryPtr entry(archive_entry_new(), archive_entry_free);
        archive_entry_set_filetype(entry.get(), AE_IFREG);
        archive_entry_set_pathname(entry.get(), "layer.tar");
        archive_entry_set_size(entry.get(), tar.size());
        if (archive_write_header(w.get(), entry.get()) != ARCHIVE_OK ||
            archive_write_data(w.get(), tar.constData(), size_t(tar.size())) < 0 ||
            archive_write_close(w.get()) != ARCHIVE_OK)
            return fail(ErrorKind::Io, u"compressing a layer: "_qs + archiveError(w.get()));
        blob.data = sink.data;
    }
    blob.digest = Hasher::sha256(blob.data);
    return blob;
}

Result<LayerBlob> layerFromDirectory(const QString &directory, const QString &compression,
                                     const QString &prefix)
{
    UniqueFd dirFd(
        ::open(QFile::encodeName(directory).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dirFd)
        return fail(ErrorKind::Usage, directory + u": "_qs + errnoText(errno));
    WriterPtr w(archive_write_new(), archive_write_free);
    archive_write_set_format_pax_restricted(w.get());
    archive_write_set_bytes_in_last_block(w.get(), 1);
    MemorySink sink;
    if (archive_write_open(w.get(), &sink, nullptr, memoryWrite, nullptr) != ARCHIVE_OK)
        return fail(ErrorKind::Io, archiveError(w.get()));
    Walker walker{w.get(), {}, directory, {}};
    QByteArray base;
    for (const QString &part : prefix.split(u'/', Qt::SkipEmptyParts)) {
        base += part.toUtf8() + '/';
        EntryPtr entry(archive_entry_new(), archive_entry_free);
        archive_entry_set_pathname(entry.get(), base.constData());
        archive_entry_set_filetype(entry.get(), AE_IFDIR);
        archive_entry_set_perm(entry.get(), 0755);
        if (archive_write_header(w.get(), entry.get()) != ARCHIVE_OK)
            return fail(ErrorKind::Io, archiveError(w.get()));
    }
    if (auto r = walker.walk(dirFd.get(), base, 0); !r)
        return std::unexpected(r.error());
    if (archive_write_close(w.get()) != ARCHIVE_OK)
        return fail(ErrorKind::Io, archiveError(w.get()));
    return layerFromTar(sink.data, compression);
}

Status writeOciArchive(const QString &outPath, const QList<LayerBlob> &layers,
                       const PackOptions &options)
{
    json diffIds = json::array();
    json layerDescs = json::array();
    for (const LayerBlob &l : layers) {
        diffIds.push_back(l.diffId.toString().toStdString());
        layerDescs.push_back({{"mediaType", l.mediaType.toStdString()},
                              {"digest", l.digest.toString().toStdString()},
                              {"size", l.data.size()}});
    }
    json cfg = json::object();
    if (!options.entrypoint.isEmpty())
        cfg["Entrypoint"] = stringArray(options.entrypoint);
    if (!options.cmd.isEmpty())
        cfg["Cmd"] = stringArray(options.cmd);
    cfg["Env"] = stringArray(
        options.env.isEmpty()
            ? QStringList{u"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"_qs}
            : options.env);
    if (!options.workingDir.isEmpty())
        cfg["WorkingDir"] = options.workingDir.toStdString();
    if (!options.user.isEmpty())
        cfg["User"] = options.user.toStdString();
    if (!options.exposedPorts.isEmpty()) {
        json ports = json::object();
        for (const QString &p : options.exposedPorts)
            ports[p.toStdString()] = json::object();
        cfg["ExposedPorts"] = ports;
    }
    const json config = {{"architecture", "amd64"},
                         {"os", "linux"},
                         {"created", "1970-01-01T00:00:00Z"},
                         {"config", cfg},
                         {"rootfs", {{"type", "layers"}, {"diff_ids", diffIds}}},
                         {"history", json::array({{{"created_by", "fcemu image pack"}}})}};
    const QByteArray configData = dumpJson(config);
    const Digest configDigest = Hasher::sha256(configData);
    const json manifest = {{"schemaVersion", 2},
                           {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                           {"config",
                            {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                             {"digest", configDigest.toString().toStdString()},
                             {"size", configData.size()}}},
                           {"layers", layerDescs}};
    const QByteArray manifestData = dumpJson(manifest);
    const Digest manifestDigest = Hasher::sha256(manifestData);
    const json index = {
        {"schemaVersion", 2},
        {"mediaType", "application/vnd.oci.image.index.v1+json"},
        {"manifests",
         json::array({{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                       {"digest", manifestDigest.toString().toStdString()},
                       {"size", manifestData.size()},
                       {"annotations",
                        {{"org.opencontainers.image.ref.name", options.reference.toStdString()}}},
                       {"platform", {{"architecture", "amd64"}, {"os", "linux"}}}}})}};

    const QString tmpPath = outPath + u".tmp"_qs;
    WriterPtr w(archive_write_new(), archive_write_free);
    archive_write_set_format_pax_restricted(w.get());
    if (archive_write_open_filename(w.get(), QFile::encodeName(tmpPath).constData()) != ARCHIVE_OK)
        return fail(ErrorKind::Io, tmpPath + u": "_qs + archiveError(w.get()));
    const auto add = [&](const QString &name, const QByteArray &data) -> Status {
        EntryPtr e(archive_entry_new(), archive_entry_free);
        archive_entry_set_pathname(e.get(), name.toUtf8().constData());
        archive_entry_set_filetype(e.get(), AE_IFREG);
        archive_entry_set_perm(e.get(), 0644);
        archive_entry_set_size(e.get(), data.size());
        if (archive_write_header(w.get(), e.get()) != ARCHIVE_OK ||
            archive_write_data(w.get(), data.constData(), size_t(data.size())) < 0)
            return fail(ErrorKind::Io, tmpPath + u": "_qs + archiveError(w.get()));
        return {};
    };
    const auto blobName = [](const Digest &d) -> QString { return u"blobs/sha256/"_qs + d.hex; };
    Status ok = add(u"oci-layout"_qs, QByteArrayLiteral("{\"imageLayoutVersion\":\"1.0.0\"}"));
    if (ok)
        ok = add(u"index.json"_qs, dumpJson(index));
    if (ok)
        ok = add(blobName(manifestDigest), manifestData);
    if (ok)
        ok = add(blobName(configDigest), configData);
    for (const LayerBlob &l : layers)
        if (ok)
            ok = add(blobName(l.digest), l.data);
    if (ok && archive_write_close(w.get()) != ARCHIVE_OK)
        ok = fail(ErrorKind::Io, tmpPath + u": "_qs + archiveError(w.get()));
    if (!ok) {
        QFile::remove(tmpPath);
        return ok;
    }
    if (::rename(QFile::encodeName(tmpPath).constData(), QFile::encodeName(outPath).constData()) !=
        0) {
        const int err = errno;
        QFile::remove(tmpPath);
        return fail(ErrorKind::Io, outPath + u": "_qs + errnoText(err));
    }
    return {};
}

Status packDirectory(const QString &directory, const QString &outPath, const PackOptions &options)
{
    if (!QFileInfo(directory).isDir())
        return fail(ErrorKind::Usage, directory + u": not a folder"_qs);
    auto layer = layerFromDirectory(directory, options.compression);
    if (!layer)
        return std::unexpected(layer.error());
    return writeOciArchive(outPath, {*layer}, options);
}

} // namespace Fcemu::Image
