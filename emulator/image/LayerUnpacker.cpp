#include "LayerUnpacker.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>

#include <thread>
#include <vector>

#include <QLoggingCategory>

#include "ChunkQueue.h"
#include "Inflate.h"

namespace Fcemu::Image {

namespace {

Q_LOGGING_CATEGORY(lcUnpack, "fcemu.image.unpack", QtInfoMsg)

using ArchivePtr = std::unique_ptr<archive, decltype(&archive_read_free)>;

} // namespace

Result<QString> sniffCompression(const QByteArray &head, const QString &where)
{
    const auto b = [&](int i) -> unsigned char {
        return i < head.size() ? static_cast<unsigned char>(head[i]) : 0;
    };
    if (b(0) == 0x1f && b(1) == 0x8b)
        return u"gzip"_qs;
    if (b(0) == 0x28 && b(1) == 0xb5 && b(2) == 0x2f && b(3) == 0xfd)
        return u"zstd"_qs;
    if ((b(0) & 0xf0) == 0x50 && b(1) == 0x2a && b(2) == 0x4d && b(3) == 0x18)
        return u"zstd"_qs; // a skippable frame first (zstd:chunked)
    if (head.startsWith("BZh"))
        return fail(ErrorKind::ImageRefused,
                    where + u": bzip2-compressed layer; OCI layers are plain, gzip or zstd"_qs);
    if (b(0) == 0xfd && head.mid(1, 4) == "7zXZ")
        return fail(ErrorKind::ImageRefused,
                    where + u": xz-compressed layer; OCI layers are plain, gzip or zstd"_qs);
    return u"none"_qs;
}

Result<std::pair<qint64, QString>> uncompressedSizeOf(const ImageSource &source,
                                                      const LayerInfo &layer)
{
    const QString where = source.where(layer.member);
    auto blob = source.blob(layer.member);
    if (!blob)
        return std::unexpected(blob.error());
    QByteArray head(8, '\0');
    head.resize(int(std::max<qint64>(0, blob->readAt(0, head.data(), head.size()))));
    auto compression = sniffCompression(head, where);
    if (!compression)
        return std::unexpected(compression.error());
    if (*compression == u"none"_qs)
        return std::pair{blob->size(), *compression};
    if (*compression == u"gzip"_qs && blob->size() >= 18) {
        unsigned char trailer[4];
        if (blob->readAt(blob->size() - 4, trailer, 4) == 4) {
            const quint32 isize = quint32(trailer[0]) | quint32(trailer[1]) << 8 |
                                  quint32(trailer[2]) << 16 | quint32(trailer[3]) << 24;
            return std::pair{qint64(isize), *compression};
        }
    }
    std::vector<char> buffer(chunkSize);
    qint64 total = 0;
    qint64 position = 0;
    InflateIo io;
    io.read = [&](char *out, std::size_t capacity) -> qint64 {
        const qint64 n = blob->readAt(position, out, qint64(capacity));
        position += std::max<qint64>(n, 0);
        return n;
    };
    io.output = [&]() -> std::pair<char *, std::size_t> { return {buffer.data(), buffer.size()}; };
    io.commit = [&](std::size_t n) -> bool {
        total += qint64(n);
        return true;
    };
    if (auto inflated = inflateStream(*compression, io, where); !inflated)
        return std::unexpected(inflated.error());
    return std::pair{total, *compression};
}

Result<UnpackReport> unpackLayers(const ImageSource &source, const ImageInfo &info, int rootFd,
                                  const UnpackOptions &options)
{
    UnpackReport report;
    RootWriter writer(UniqueFd(::fcntl(rootFd, F_DUPFD_CLOEXEC, 0)));
    const qint64 compressedTotal = info.compressedSize();
    qint64 compressedBefore = 0;
    qint64 uncompressedTotal = 0;
    const auto cancelled = [&]() -> bool { return options.cancel && options.cancel->load(); };

    for (int index = 0; index < info.layers.size(); ++index) {
        const LayerInfo &layer = info.layers[index];
        const QString where = source.where(layer.member);
        const QString layerName = u"layer "_qs + QString::number(index + 1) + u'/' +
                                  QString::number(info.layers.size()) + u" (" + layer.member + u')';
        auto blob = source.blob(layer.member);
        if (!blob)
            return std::unexpected(blob.error());
        QByteArray head(8, '\0');
        head.resize(int(std::max<qint64>(0, blob->readAt(0, head.data(), head.size()))));
        auto compression = sniffCompression(head, where);
        if (!compression)
            return std::unexpected(compression.error());

        ChunkQueue queue;
        std::atomic<qint64> compressedDone{0};
        Error producerError;
        bool producerFailed = false;
        Hasher blobHasher(layer.digest.isValid() ? layer.digest.algorithm : u"sha256"_qs);
        Hasher diffHasher(layer.diffId.algorithm);
        qint64 layerBytes = 0;
        const qint64 budget = options.maxUncompressedBytes - uncompressedTotal;

        std::thread producer([&]() {
            const auto failWith = [&](const Error &error) {
                producerError = error;
                producerFailed = true;
                queue.close();
            };
            qint64 position = 0;
            Chunk current;
            InflateIo io;
            io.read = [&](char *buffer, std::size_t capacity) -> qint64 {
                const qint64 n = blob->readAt(position, buffer, qint64(capacity));
                if (n > 0) {
                    position += n;
                    blobHasher.update(buffer, std::size_t(n));
                    compressedDone += n;
                }
                return n;
            };
            io.output = [&]() -> std::pair<char *, std::size_t> {
                if (current.capacity() < chunkSize)
                    current = queue.takeFree();
                current.resize(chunkSize);
                return {current.data(), current.size()};
            };
            io.commit = [&](std::size_t n) -> bool {
                diffHasher.update(current.data(), n);
                layerBytes += qint64(n);
                if (layerBytes > budget) {
                    failWith(Error{
                        ErrorKind::ImageRefused,
                        where + u": the image inflates past its uncompressed size limit of "_qs +
                            QString::number(options.maxUncompressedBytes >> 20) + u" MiB"_qs +
                            (options.limitReason.isEmpty()
                                 ? QString()
                                 : u" ("_qs + options.limitReason + u')') +
                            u"; stopped early (use --max-uncompressed to raise it)"_qs});
                    return false;
                }
                current.resize(n);
                if (!queue.push(std::move(current)))
                    return false; // the consumer failed; its error wins
                current = Chunk();
                if (options.progress)
                    options.progress(compressedBefore + compressedDone.load(), compressedTotal);
                return true;
            };
            if (auto inflated = inflateStream(*compression, io, where); !inflated)
                failWith(inflated.error());
            else
                queue.finish();
        });

        ConsumerState consumerState;
        consumerState.queue = &queue;
        ArchivePtr tar(archive_read_new(), archive_read_free);
        archive_read_support_format_tar(tar.get());
        archive_read_support_format_gnutar(tar.get());
        Status applied;
        if (archive_read_open(tar.get(), &consumerState, nullptr, consumerRead, nullptr) !=
            ARCHIVE_OK) {
            const char *text = archive_error_string(tar.get());
            applied = fail(ErrorKind::ImageRefused, where + u": not a tar layer ("_qs +
                                                        QString::fromUtf8(text ? text : "") + u')');
        } else {
            applied = writer.applyLayer(tar.get(), layerName, cancelled);
        }
        if (applied) {
            // Drain what follows the tar's end blocks so the producer hashes the whole stream.
            Chunk rest;
            if (!consumerState.current.empty())
                queue.recycle(std::move(consumerState.current));
            while (queue.pop(&rest))
                queue.recycle(std::move(rest));
        } else {
            queue.close();
        }
        producer.join();
        if (producerFailed)
            return std::unexpected(producerError); // a bomb or truncation explains a tar error too
        if (!applied)
            return std::unexpected(applied.error());
        if (blob->size() != compressedDone.load())
            return fail(ErrorKind::ImageRefused,
                        where +
                            u": layer data continues after the end of the compressed stream"_qs);
        if (layer.digest.isValid() && blobHasher.finish() != layer.digest)
            return fail(ErrorKind::ImageRefused, where + u": digest mismatch (expected "_qs +
                                                     layer.digest.toString() + u')');
        if (diffHasher.finish() != layer.diffId)
            return fail(ErrorKind::ImageRefused,
                        where + u": uncompressed content does not match diff_id "_qs +
                            layer.diffId.toString());
        uncompressedTotal += layerBytes;
        compressedBefore += blob->size();
        report.layers.append({*compression, layerBytes});
        qCDebug(lcUnpack) << layerName << *compression << layerBytes << "bytes";
    }
    if (auto done = writer.finish(); !done)
        return std::unexpected(done.error());
    report.uncompressedSize = uncompressedTotal;
    report.stats = writer.stats();
    if (options.progress)
        options.progress(compressedTotal, compressedTotal);
    return report;
}

} // namespace Fcemu::Image
