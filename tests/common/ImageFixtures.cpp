#include "ImageFixtures.h"

#include <archive.h>
#include <archive_entry.h>
#include <locale.h>
#include <sys/stat.h>

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>

#include <nlohmann/json.hpp>

#include "image/Digest.h"

namespace Fcemu::Test {

namespace {

using json = nlohmann::json;
using WriterPtr = std::unique_ptr<archive, decltype(&archive_write_free)>;
using EntryPtr = std::unique_ptr<archive_entry, decltype(&archive_entry_free)>;

la_ssize_t appendTo(archive *, void *opaque, const void *buffer, size_t length)
{
    static_cast<QByteArray *>(opaque)->append(static_cast<const char *>(buffer), qsizetype(length));
    return la_ssize_t(length);
}

void writeFile(const QString &path, const QByteArray &data)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(data) != data.size())
        qFatal("cannot write %s", qPrintable(path));
}

json stringArray(const QStringList &list)
{
    json out = json::array();
    for (const QString &s : list)
        out.push_back(s.toStdString());
    return out;
}

} // namespace

TarBuilder &TarBuilder::file(const QByteArray &name, const QByteArray &content, int mode,
                             qint64 mtime)
{
    m_entries.append({Entry::File, name, content, mode, mtime});
    return *this;
}
TarBuilder &TarBuilder::dir(const QByteArray &name, int mode, qint64 mtime)
{
    m_entries.append({Entry::Dir, name, {}, mode, mtime});
    return *this;
}
TarBuilder &TarBuilder::symlink(const QByteArray &name, const QByteArray &target)
{
    m_entries.append({Entry::Symlink, name, target, 0777, 1700000000});
    return *this;
}
TarBuilder &TarBuilder::hardlink(const QByteArray &name, const QByteArray &target)
{
    m_entries.append({Entry::Hardlink, name, target, 0644, 1700000000});
    return *this;
}
TarBuilder &TarBuilder::fifo(const QByteArray &name)
{
    m_entries.append({Entry::Fifo, name, {}, 0644, 1700000000});
    return *this;
}
TarBuilder &TarBuilder::charDevice(const QByteArray &name, int major, int minor)
{
    Entry e{Entry::CharDevice, name, {}, 0666, 1700000000};
    e.major = major;
    e.minor = minor;
    m_entries.append(e);
    return *this;
}
TarBuilder &TarBuilder::whiteout(const QByteArray &dirName, const QByteArray &name)
{
    return file((dirName.isEmpty() ? QByteArray() : dirName + '/') + ".wh." + name, {}, 0);
}
TarBuilder &TarBuilder::opaque(const QByteArray &dirName)
{
    return file(dirName + "/.wh..wh..opq", {}, 0);
}

namespace {

// Image tools write names as UTF-8 whatever their locale; libarchive's pax writer converts from
// the locale's charset, which under LANG=C cannot hold "données". While a tar is written, this
// thread uses C.UTF-8 (built into glibc, so present on every machine).
class Utf8Locale
{
public:
    Utf8Locale()
        : m_utf8(::newlocale(LC_CTYPE_MASK, "C.UTF-8", locale_t(nullptr))),
          m_previous(m_utf8 ? ::uselocale(m_utf8) : locale_t(nullptr))
    {
    }
    ~Utf8Locale()
    {
        if (m_utf8) {
            ::uselocale(m_previous);
            ::freelocale(m_utf8);
        }
    }
    Q_DISABLE_COPY_MOVE(Utf8Locale)

private:
    locale_t m_utf8;
    locale_t m_previous;
};

} // namespace

QByteArray TarBuilder::tar() const
{
    const Utf8Locale utf8;
    QByteArray out;
    WriterPtr w(archive_write_new(), archive_write_free);
    archive_write_set_format_pax_restricted(w.get());
    archive_write_set_bytes_in_last_block(w.get(), 1);
    archive_write_open(w.get(), &out, nullptr, appendTo, nullptr);
    for (const Entry &e : m_entries) {
        EntryPtr entry(archive_entry_new(), archive_entry_free);
        archive_entry_copy_pathname(entry.get(), e.name.constData());
        archive_entry_set_perm(entry.get(), mode_t(e.mode));
        archive_entry_set_mtime(entry.get(), e.mtime, 0);
        archive_entry_set_uid(entry.get(), 0);
        archive_entry_set_gid(entry.get(), 0);
        switch (e.type) {
        case Entry::File:
            archive_entry_set_filetype(entry.get(), AE_IFREG);
            archive_entry_set_size(entry.get(), e.data.size());
            break;
        case Entry::Dir:
            archive_entry_set_filetype(entry.get(), AE_IFDIR);
            break;
        case Entry::Symlink:
            archive_entry_set_filetype(entry.get(), AE_IFLNK);
            archive_entry_copy_symlink(entry.get(), e.data.constData());
            break;
        case Entry::Hardlink:
            archive_entry_set_filetype(entry.get(), AE_IFREG);
            archive_entry_copy_hardlink(entry.get(), e.data.constData());
            archive_entry_set_size(entry.get(), 0);
            break;
        case Entry::Fifo:
            archive_entry_set_filetype(entry.get(), AE_IFIFO);
            break;
        case Entry::CharDevice:
            archive_entry_set_filetype(entry.get(), AE_IFCHR);
            archive_entry_set_rdevmajor(entry.get(), dev_t(e.major));
            archive_entry_set_rdevminor(entry.get(), dev_t(e.minor));
            break;
        }
        if (archive_write_header(w.get(), entry.get()) != ARCHIVE_OK)
            qFatal("tar header for %s: %s", e.name.constData(), archive_error_string(w.get()));
        if (e.type == Entry::File && !e.data.isEmpty())
            archive_write_data(w.get(), e.data.constData(), size_t(e.data.size()));
    }
    archive_write_close(w.get());
    return out;
}

QByteArray TarBuilder::truncatedAfter(int bytesOfLastFile) const
{
    const QByteArray full = tar();
    // The last file's data starts at a 512-byte boundary after its header; cut inside it.
    const QByteArray &lastData = m_entries.last().data;
    const qsizetype dataStart = full.indexOf(lastData.left(64));
    return full.left(dataStart + bytesOfLastFile);
}

QByteArray ociLayoutFile()
{
    return QByteArrayLiteral("{\"imageLayoutVersion\":\"1.0.0\"}");
}

QByteArray tarOf(const QList<QPair<QByteArray, QByteArray>> &members)
{
    TarBuilder b;
    for (const auto &[name, content] : members)
        b.file(name, content);
    return b.tar();
}

QByteArray gzip(const QByteArray &data)
{
    auto blob = Image::layerFromTar(data, u"gzip"_qs);
    return blob ? blob->data : QByteArray();
}

ImageSpec analysisSample()
{
    ImageSpec spec;
    spec.layerTars.append(TarBuilder()
                              .dir("app")
                              .file("app/main.js", QByteArray(1000, 'a'))
                              .file("app/config.json", QByteArray(200, 'c'))
                              .dir("data")
                              .file("data/a.bin", QByteArray(3000, 'x'))
                              .file("data/b.bin", QByteArray(4000, 'y'))
                              .dir("etc")
                              .file("etc/hosts", QByteArray(50, 'h'))
                              .tar());
    spec.layerTars.append(TarBuilder()
                              .dir("app")
                              .file("app/main.js", QByteArray(1500, 'b'))
                              .file("app/new.js", QByteArray(300, 'n'))
                              .dir("tmp")
                              .file("tmp/cache.tgz", QByteArray(5000, 't'))
                              .tar());
    // data/c.bin comes before the opaque marker: the marker hides lower layers only.
    spec.layerTars.append(TarBuilder()
                              .whiteout("tmp", "cache.tgz")
                              .whiteout("app", "config.json")
                              .file("data/c.bin", QByteArray(600, 'z'))
                              .opaque("data")
                              .tar());
    spec.history = {
        {u"2026-01-01T00:00:00Z"_qs, u"/bin/sh -c #(nop) ADD file:4b1a in / "_qs, {}, false},
        {u"2026-01-01T00:00:01Z"_qs, u"/bin/sh -c #(nop)  ENV NODE_ENV=production"_qs, {}, true},
        {u"2026-01-01T00:00:02Z"_qs, u"/bin/sh -c npm ci   &&   npm cache clean"_qs, {}, false},
        {u"2026-01-01T00:00:03Z"_qs, u"/bin/sh -c #(nop)  WORKDIR /app"_qs, {}, true},
        {u"2026-01-01T00:00:04Z"_qs, u"RUN /bin/sh -c rm -rf /tmp/cache.tgz # buildkit"_qs,
         u"buildkit.dockerfile.v0"_qs, false},
        {u"2026-01-01T00:00:05Z"_qs,
         u"/bin/sh -c #(nop)  CMD [\"node\",\"app/main.js\"]"_qs,
         {},
         true},
    };
    spec.config.entrypoint = {u"node"_qs};
    return spec;
}

void writeImage(const QString &path, const ImageSpec &spec, Format format)
{
    QList<Image::LayerBlob> layers;
    const bool docker = format == Format::DockerArchive || format == Format::DockerArchiveSymlinked;
    for (const QByteArray &tar : spec.layerTars) {
        auto blob = Image::layerFromTar(tar, docker ? u"none"_qs : spec.compression);
        if (!blob)
            qFatal("layer: %s", qPrintable(blob.error().message));
        layers.append(*blob);
    }
    json diffIds = json::array();
    for (const auto &l : layers)
        diffIds.push_back(l.diffId.toString().toStdString());
    json cfg = json::object();
    if (!spec.config.entrypoint.isEmpty())
        cfg["Entrypoint"] = stringArray(spec.config.entrypoint);
    if (!spec.config.cmd.isEmpty())
        cfg["Cmd"] = stringArray(spec.config.cmd);
    cfg["Env"] = stringArray(spec.config.env);
    if (!spec.config.workingDir.isEmpty())
        cfg["WorkingDir"] = spec.config.workingDir.toStdString();
    if (!spec.config.user.isEmpty())
        cfg["User"] = spec.config.user.toStdString();
    json config = {{"architecture", spec.architecture.toStdString()},
                   {"os", "linux"},
                   {"config", cfg},
                   {"rootfs", {{"type", "layers"}, {"diff_ids", diffIds}}}};
    if (!spec.history.isEmpty()) {
        json history = json::array();
        for (const Image::HistoryEntry &h : spec.history) {
            json entry = {{"created", h.created.toStdString()},
                          {"created_by", h.createdBy.toStdString()}};
            if (!h.comment.isEmpty())
                entry["comment"] = h.comment.toStdString();
            if (h.emptyLayer)
                entry["empty_layer"] = true;
            history.push_back(entry);
        }
        config["history"] = history;
    }
    const QByteArray configData = QByteArray::fromStdString(config.dump());
    const Image::Digest configDigest = Image::Hasher::sha256(configData);

    QList<QPair<QByteArray, QByteArray>> members;
    QList<QPair<QByteArray, QByteArray>> symlinks;
    if (docker) {
        json layerPaths = json::array();
        for (const auto &l : layers) {
            const QByteArray name = l.diffId.hex.toLatin1() + ".tar";
            members.append({name, l.data});
            if (format == Format::DockerArchiveSymlinked) {
                // skopeo's layout: <id>/layer.tar is a symlink to ../<diffid>.tar
                const QByteArray id = l.diffId.hex.left(12).toLatin1() + "id";
                symlinks.append({id + "/layer.tar", "../" + name});
                layerPaths.push_back(QByteArray(id + "/layer.tar").toStdString());
            } else {
                layerPaths.push_back(name.toStdString());
            }
        }
        members.append({configDigest.hex.toLatin1() + ".json", configData});
        const json manifest =
            json::array({{{"Config", QString(configDigest.hex + u".json"_qs).toStdString()},
                          {"RepoTags", json::array({"localhost/test:latest"})},
                          {"Layers", layerPaths}}});
        members.append({"manifest.json", QByteArray::fromStdString(manifest.dump())});
    } else {
        json layerDescs = json::array();
        for (const auto &l : layers)
            layerDescs.push_back({{"mediaType", l.mediaType.toStdString()},
                                  {"digest", l.digest.toString().toStdString()},
                                  {"size", l.data.size()}});
        const json manifest = {{"schemaVersion", 2},
                               {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                               {"config",
                                {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                                 {"digest", configDigest.toString().toStdString()},
                                 {"size", configData.size()}}},
                               {"layers", layerDescs}};
        const QByteArray manifestData = QByteArray::fromStdString(manifest.dump());
        const Image::Digest manifestDigest = Image::Hasher::sha256(manifestData);
        const json index = {
            {"schemaVersion", 2},
            {"manifests", json::array({{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                                        {"digest", manifestDigest.toString().toStdString()},
                                        {"size", manifestData.size()}}})}};
        members.append({"oci-layout", ociLayoutFile()});
        members.append({"index.json", QByteArray::fromStdString(index.dump())});
        members.append({"blobs/sha256/" + manifestDigest.hex.toLatin1(), manifestData});
        members.append({"blobs/sha256/" + configDigest.hex.toLatin1(), configData});
        for (const auto &l : layers)
            members.append({"blobs/sha256/" + l.digest.hex.toLatin1(), l.data});
    }

    if (format == Format::OciDirectory) {
        QDir().mkpath(path);
        for (const auto &[name, content] : members)
            writeFile(path + u'/' + QString::fromUtf8(name), content);
        return;
    }
    TarBuilder outer;
    for (const auto &[name, content] : members)
        outer.file(name, content);
    for (const auto &[name, target] : symlinks)
        outer.symlink(name, target);
    QByteArray data = outer.tar();
    if (spec.gzipWholeArchive)
        data = gzip(data);
    writeFile(path, data);
}

QMap<QString, QString> snapshot(const QString &root, bool withMtime)
{
    QMap<QString, QString> out;
    QDirIterator it(root, QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        const QString rel = QDir(root).relativeFilePath(path);
        struct stat st;
        if (::lstat(QFile::encodeName(path).constData(), &st) != 0)
            continue;
        QString desc;
        const QString mode = QString::number(st.st_mode & 07777, 8);
        if (S_ISLNK(st.st_mode)) {
            char target[4096];
            const ssize_t n =
                ::readlink(QFile::encodeName(path).constData(), target, sizeof target);
            desc = u"link:"_qs + QString::fromUtf8(target, int(n));
        } else if (S_ISDIR(st.st_mode)) {
            desc = u"dir:"_qs + mode;
        } else if (S_ISREG(st.st_mode)) {
            QFile f(path);
            f.open(QIODevice::ReadOnly);
            desc = u"file:"_qs + mode + u':' +
                   QString::fromLatin1(
                       QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha1).toHex());
        } else if (S_ISFIFO(st.st_mode)) {
            desc = u"fifo:"_qs + mode;
        } else {
            desc = u"other"_qs;
        }
        if (withMtime && !S_ISLNK(st.st_mode))
            desc += u":mtime="_qs + QString::number(st.st_mtim.tv_sec);
        out.insert(rel, desc);
    }
    return out;
}

} // namespace Fcemu::Test
