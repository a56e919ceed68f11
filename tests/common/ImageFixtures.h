#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include "image/ImageAnalysis.h"
#include "image/ImagePacker.h"

// Builders for test images: layer tars written with libarchive into memory (including hostile
// entries no well-behaved tool would write) and whole images in every supported format.
namespace Fcemu::Test {

class TarBuilder final
{
public:
    TarBuilder &file(const QByteArray &name, const QByteArray &content, int mode = 0644,
                     qint64 mtime = 1700000000);
    TarBuilder &dir(const QByteArray &name, int mode = 0755, qint64 mtime = 1700000000);
    TarBuilder &symlink(const QByteArray &name, const QByteArray &target);
    TarBuilder &hardlink(const QByteArray &name, const QByteArray &target);
    TarBuilder &fifo(const QByteArray &name);
    TarBuilder &charDevice(const QByteArray &name, int major, int minor);
    TarBuilder &whiteout(const QByteArray &dir, const QByteArray &name); // dir/.wh.name
    TarBuilder &opaque(const QByteArray &dir);                           // dir/.wh..wh..opq
    // A file whose declared size exceeds what follows: the tar is cut inside its data.
    QByteArray truncatedAfter(int bytesOfLastFile) const;

    QByteArray tar() const;

private:
    struct Entry
    {
        enum Type { File, Dir, Symlink, Hardlink, Fifo, CharDevice } type;
        QByteArray name;
        QByteArray data; // content, or link target
        int mode;
        qint64 mtime;
        int major = 0, minor = 0;
    };
    QList<Entry> m_entries;
};

enum class Format { OciArchive, OciDirectory, DockerArchive, DockerArchiveSymlinked };

struct ImageSpec
{
    QList<QByteArray> layerTars;      // uncompressed layer tars, base first
    QString compression = u"gzip"_qs; // applied to every layer (OCI); docker-archive stays plain
    Image::PackOptions config;
    QString architecture = u"amd64"_qs;
    bool gzipWholeArchive = false;
    QList<Image::HistoryEntry> history; // the config's "history", when not empty
};

// Three layers with known waste, for `image analyze` (test_image_analysis has the figures):
// layer 2 rewrites app/main.js of layer 1; layer 3 whites out tmp/cache.tgz (layer 2) and
// app/config.json (layer 1) and makes data/ opaque (dropping layer 1's data/a.bin and b.bin)
// while adding data/c.bin. The history has two empty_layer entries between the layers.
ImageSpec analysisSample();

// Writes the image to `path` (a file, or a folder for OciDirectory).
void writeImage(const QString &path, const ImageSpec &spec, Format format);

// Lower-level pieces for hostile images.
QByteArray ociLayoutFile();
QByteArray tarOf(const QList<QPair<QByteArray, QByteArray>> &members); // name -> content
QByteArray gzip(const QByteArray &data);

// A folder tree snapshot: relative path -> "type:mode:content-or-target", for comparing trees.
QMap<QString, QString> snapshot(const QString &root, bool withMtime = false);

} // namespace Fcemu::Test
