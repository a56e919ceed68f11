#include "LayerFiles.h"

#include <memory>

#include <archive.h>
#include <archive_entry.h>

namespace Fcemu::Image {

namespace {

struct BlobReader
{
    const Blob *blob = nullptr;
    qint64 position = 0;
    QByteArray buffer = QByteArray(1 << 20, Qt::Uninitialized);
};

la_ssize_t readBlob(struct archive *a, void *data, const void **out)
{
    auto *reader = static_cast<BlobReader *>(data);
    const qint64 n = reader->blob->readAt(reader->position, reader->buffer.data(),
                                          qint64(reader->buffer.size()));
    if (n < 0) {
        archive_set_error(a, int(-n), "read error");
        return -1;
    }
    reader->position += n;
    *out = reader->buffer.constData();
    return la_ssize_t(n);
}

QString normalized(const char *name)
{
    QString path = QString::fromUtf8(name);
    while (path.startsWith(u"./"_qs) || path.startsWith(u'/'))
        path.remove(0, path.startsWith(u'/') ? 1 : 2);
    while (path.endsWith(u'/'))
        path.chop(1);
    return path;
}

} // namespace

Result<QHash<QString, int>> topmostLayerOfFiles(const ImageSource &source, const ImageInfo &info)
{
    QHash<QString, int> layerOf;
    for (int i = 0; i < info.layers.size(); ++i) {
        auto blob = source.blob(info.layers[i].member);
        if (!blob)
            return std::unexpected(blob.error());
        std::unique_ptr<struct archive, decltype(&archive_read_free)> a(archive_read_new(),
                                                                        &archive_read_free);
        archive_read_support_filter_gzip(a.get());
        archive_read_support_filter_zstd(a.get());
        archive_read_support_format_tar(a.get());
        archive_read_support_format_gnutar(a.get());
        BlobReader reader;
        reader.blob = &*blob;
        if (archive_read_open(a.get(), &reader, nullptr, readBlob, nullptr) != ARCHIVE_OK)
            return fail(ErrorKind::ImageRefused,
                        source.where(info.layers[i].member) + u": "_qs +
                            QString::fromUtf8(archive_error_string(a.get())));
        archive_entry *entry = nullptr;
        int r = ARCHIVE_OK;
        while ((r = archive_read_next_header(a.get(), &entry)) == ARCHIVE_OK) {
            const bool regular = archive_entry_filetype(entry) == AE_IFREG ||
                                 archive_entry_hardlink(entry) != nullptr;
            if (regular)
                layerOf.insert(normalized(archive_entry_pathname(entry)), i);
            archive_read_data_skip(a.get());
        }
        if (r != ARCHIVE_EOF)
            return fail(ErrorKind::ImageRefused,
                        source.where(info.layers[i].member) + u": "_qs +
                            QString::fromUtf8(archive_error_string(a.get())));
    }
    return layerOf;
}

} // namespace Fcemu::Image
