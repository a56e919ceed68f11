#include "ImageAnalysis.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <map>
#include <thread>

#include <QHash>

#include <nlohmann/json.hpp>

#include "ChunkQueue.h"
#include "InRoot.h"
#include "Inflate.h"
#include "LayerUnpacker.h"

namespace Fcemu::Image {

namespace {

using ArchivePtr = std::unique_ptr<archive, decltype(&archive_read_free)>;
using json = nlohmann::json;

const QByteArray whiteoutPrefix = QByteArrayLiteral(".wh.");
const QByteArray opaqueMarker = QByteArrayLiteral(".wh..wh..opq");

// A path of the root as the layers so far leave it.
struct Node
{
    int layer = 0;    // the layer that wrote it last
    qint64 size = 0;  // a regular file's bytes (0 for folders, links, hard links)
    bool dir = false; // a folder (its children are separate nodes)
};

// Keys are clean relative paths ("usr/lib/x"), sorted so that a folder's subtree is the range
// starting at "folder/".
using PathMap = std::map<QByteArray, Node>;

QList<SizedPath> largest(QList<SizedPath> all, int top)
{
    const auto bigger = [](const SizedPath &a, const SizedPath &b) -> bool {
        return a.size != b.size ? a.size > b.size : a.path < b.path;
    };
    const qsizetype n = std::min<qsizetype>(std::max(top, 0), all.size());
    std::partial_sort(all.begin(), all.begin() + n, all.end(), bigger);
    all.resize(n);
    return all;
}

// Adds `size` to every folder above `path` (not the root itself).
void addToFolders(QHash<QByteArray, qint64> *folders, const QByteArray &path, qint64 size)
{
    for (qsizetype slash = path.lastIndexOf('/'); slash > 0;
         slash = path.lastIndexOf('/', slash - 1))
        (*folders)[path.left(slash)] += size;
}

QList<SizedPath> toSized(const QHash<QByteArray, qint64> &sizes)
{
    QList<SizedPath> out;
    out.reserve(sizes.size());
    for (auto it = sizes.cbegin(); it != sizes.cend(); ++it)
        out.append({QString::fromUtf8(it.key()), it.value()});
    return out;
}

class Analyzer
{
public:
    explicit Analyzer(ImageAnalysis *result) : m_result(result) {}

    // One tar entry of layer `index`.
    void entry(int index, archive_entry *entry, const QByteArrayList &comps)
    {
        LayerAnalysis &layer = m_result->layers[index];
        const QByteArray base = comps.last();
        const QByteArray parent = comps.mid(0, comps.size() - 1).join('/');
        if (base.startsWith(whiteoutPrefix)) {
            if (base == opaqueMarker) {
                ++layer.deletes;
                ++layer.opaqueFolders;
                removeBelow(parent, index, false);
                return;
            }
            const QByteArray target = base.mid(whiteoutPrefix.size());
            if (target.isEmpty() || target.startsWith(whiteoutPrefix) || target == "." ||
                target == "..")
                return; // AUFS metadata (.wh..wh.plnk), or nothing to apply
            ++layer.deletes;
            removeBelow(parent.isEmpty() ? target : parent + '/' + target, index, true);
            return;
        }
        const QByteArray path = comps.join('/');
        const mode_t type = archive_entry_filetype(entry);
        const bool isDir = type == AE_IFDIR && !archive_entry_hardlink(entry);
        const qint64 size = type == AE_IFREG && !archive_entry_hardlink(entry)
                                ? std::max<qint64>(archive_entry_size(entry), 0)
                                : 0;
        layer.contentBytes += size;
        if (size > 0) {
            m_layerFiles.append({QString::fromUtf8(path), size});
            addToFolders(&m_layerFolders, path, size);
        }
        auto it = m_paths.find(path);
        if (it == m_paths.end()) {
            ++layer.adds;
            layer.addedBytes += size;
            m_paths.emplace(path, Node{index, size, isDir});
            return;
        }
        Node &old = it->second;
        if (old.dir && isDir) {
            old.layer = index; // re-declared: this layer's whiteouts no longer hide it
            return;
        }
        if (old.layer < index) {
            ++layer.changes;
            layer.changedBytes += size;
        }
        // The old bytes are dead; a folder replaced by a file takes its subtree with it.
        if (old.dir)
            removeBelow(path, index + 1, false);
        waste(old);
        old = Node{index, size, isDir};
    }

    void startLayer()
    {
        m_layerFiles.clear();
        m_layerFolders.clear();
    }

    void finishLayer(int index, int top)
    {
        LayerAnalysis &layer = m_result->layers[index];
        layer.largestFiles = largest(m_layerFiles, top);
        layer.largestFolders = largest(toSized(m_layerFolders), top);
    }

    void finish(int top)
    {
        QList<SizedPath> files;
        QHash<QByteArray, qint64> folders;
        for (const auto &[path, node] : m_paths) {
            if (node.dir)
                continue;
            ++m_result->finalFiles;
            m_result->finalBytes += node.size;
            if (node.size > 0) {
                files.append({QString::fromUtf8(path), node.size});
                addToFolders(&folders, path, node.size);
            }
        }
        m_result->largestFiles = largest(files, top);
        m_result->largestFolders = largest(toSized(folders), top);
    }

private:
    void waste(const Node &node) { m_result->layers[node.layer].wastedBytes += node.size; }

    // Removes what layers before `beforeLayer` wrote at `path` (withSelf) and below it.
    void removeBelow(const QByteArray &path, int beforeLayer, bool withSelf)
    {
        if (withSelf) {
            if (auto it = m_paths.find(path);
                it != m_paths.end() && it->second.layer < beforeLayer) {
                waste(it->second);
                m_paths.erase(it);
            }
        }
        const QByteArray prefix = path.isEmpty() ? QByteArray() : path + '/';
        for (auto it = m_paths.lower_bound(prefix);
             it != m_paths.end() && it->first.startsWith(prefix);) {
            if (it->second.layer < beforeLayer) {
                waste(it->second);
                it = m_paths.erase(it);
            } else {
                ++it;
            }
        }
    }

    ImageAnalysis *m_result;
    PathMap m_paths;
    QList<SizedPath> m_layerFiles;
    QHash<QByteArray, qint64> m_layerFolders;
};

} // namespace

QString commandLine(const QString &createdBy)
{
    QString s = createdBy.simplified();
    if (s.endsWith(u" # buildkit"_qs))
        s.chop(11);
    const QString nop = u"/bin/sh -c #(nop) "_qs;
    if (s.startsWith(nop))
        return s.mid(nop.size()).trimmed();
    for (const QString &shell : {u"/bin/sh -c "_qs, u"RUN /bin/sh -c "_qs})
        if (s.startsWith(shell))
            return u"RUN "_qs + s.mid(shell.size()).trimmed();
    return s;
}

Result<QList<HistoryEntry>> readHistory(const ImageSource &source, const ImageInfo &info)
{
    QString member;
    if (info.format == ImageFormat::DockerArchive) {
        auto manifest = source.readAll(u"manifest.json"_qs);
        if (!manifest)
            return std::unexpected(manifest.error());
        const json m = json::parse(manifest->constBegin(), manifest->constEnd(), nullptr, false);
        if (m.is_array() && !m.empty() && m[0].is_object() && m[0].contains("Config") &&
            m[0]["Config"].is_string())
            member = QString::fromStdString(m[0]["Config"].get<std::string>());
    } else {
        member = u"blobs/"_qs + info.configDigest.algorithm + u'/' + info.configDigest.hex;
    }
    QList<HistoryEntry> out;
    if (member.isEmpty())
        return out;
    auto data = source.readAll(member);
    if (!data)
        return std::unexpected(data.error());
    const json config = json::parse(data->constBegin(), data->constEnd(), nullptr, false);
    const auto history = config.is_object() ? config.find("history") : config.end();
    if (history == config.end() || !history->is_array())
        return out;
    const auto text = [](const json &h, const char *key) -> QString {
        const auto it = h.find(key);
        return it != h.end() && it->is_string() ? QString::fromStdString(it->get<std::string>())
                                                : QString();
    };
    for (const json &h : *history) {
        if (!h.is_object())
            continue;
        const auto empty = h.find("empty_layer");
        out.append({text(h, "created"), text(h, "created_by"), text(h, "comment"),
                    empty != h.end() && empty->is_boolean() && empty->get<bool>()});
    }
    return out;
}

QList<HistoryEntry> historyOfLayers(const QList<HistoryEntry> &all, qsizetype layerCount)
{
    QList<HistoryEntry> out;
    for (const HistoryEntry &h : all)
        if (!h.emptyLayer && out.size() < layerCount)
            out.append(h);
    out.resize(layerCount);
    return out;
}

Result<ImageAnalysis> analyzeImage(const ImageSource &source, const ImageInfo &info,
                                   const AnalysisOptions &options)
{
    ImageAnalysis result;
    auto allHistory = readHistory(source, info);
    if (!allHistory)
        return std::unexpected(allHistory.error());
    const QList<HistoryEntry> history = historyOfLayers(*allHistory, info.layers.size());
    for (qsizetype i = 0; i < info.layers.size(); ++i) {
        LayerAnalysis layer;
        layer.member = info.layers[i].member;
        layer.compressedSize = info.layers[i].compressedSize;
        layer.createdBy = history[i].createdBy;
        layer.created = history[i].created;
        layer.comment = history[i].comment;
        result.layers.append(layer);
    }
    Analyzer analyzer(&result);
    const qint64 compressedTotal = info.compressedSize();
    qint64 compressedBefore = 0;
    qint64 uncompressedTotal = 0;
    const auto cancelled = [&]() -> bool { return options.cancel && options.cancel->load(); };

    for (int index = 0; index < info.layers.size(); ++index) {
        const LayerInfo &layerInfo = info.layers[index];
        const QString where = source.where(layerInfo.member);
        auto blob = source.blob(layerInfo.member);
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
                layerBytes += qint64(n);
                if (layerBytes > budget) {
                    failWith(Error{ErrorKind::ImageRefused,
                                   where + u": the image inflates past "_qs +
                                       QString::number(options.maxUncompressedBytes >> 20) +
                                       u" MiB; stopped early"_qs});
                    return false;
                }
                current.resize(n);
                if (!queue.push(std::move(current)))
                    return false;
                current = Chunk();
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
        Status read;
        analyzer.startLayer();
        if (archive_read_open(tar.get(), &consumerState, nullptr, consumerRead, nullptr) !=
            ARCHIVE_OK) {
            const char *text = archive_error_string(tar.get());
            read = fail(ErrorKind::ImageRefused, where + u": not a tar layer ("_qs +
                                                     QString::fromUtf8(text ? text : "") + u')');
        }
        qint64 lastProgress = -1;
        while (read) {
            if (cancelled()) {
                read = fail(ErrorKind::Cancelled, where + u": cancelled"_qs);
                break;
            }
            archive_entry *entry = nullptr;
            const int r = archive_read_next_header(tar.get(), &entry);
            if (r == ARCHIVE_EOF)
                break;
            if (r < ARCHIVE_WARN) {
                const char *text = archive_error_string(tar.get());
                read =
                    fail(ErrorKind::ImageRefused, where + u": damaged tar ("_qs +
                                                      QString::fromUtf8(text ? text : "") + u')');
                break;
            }
            const char *raw = archive_entry_pathname(entry);
            QByteArrayList comps;
            if (raw && *raw && InRoot::cleanComponents(QByteArray(raw), &comps) && !comps.isEmpty())
                analyzer.entry(index, entry, comps);
            if (archive_read_data_skip(tar.get()) < ARCHIVE_WARN) {
                const char *text = archive_error_string(tar.get());
                read =
                    fail(ErrorKind::ImageRefused, where + u": damaged tar ("_qs +
                                                      QString::fromUtf8(text ? text : "") + u')');
                break;
            }
            const qint64 done = compressedBefore + compressedDone.load();
            if (options.progress && done - lastProgress >= (1 << 20)) {
                lastProgress = done;
                options.progress(done, compressedTotal);
            }
        }
        if (read) {
            // Drain what follows the tar's end blocks so the whole stream is counted.
            Chunk rest;
            if (!consumerState.current.empty())
                queue.recycle(std::move(consumerState.current));
            while (queue.pop(&rest))
                queue.recycle(std::move(rest));
        } else {
            queue.close();
        }
        producer.join();
        if (read.has_value() || read.error().kind != ErrorKind::Cancelled) {
            if (producerFailed)
                return std::unexpected(producerError);
        }
        if (!read)
            return std::unexpected(read.error());
        analyzer.finishLayer(index, options.top);
        result.layers[index].compression = *compression;
        result.layers[index].uncompressedSize = layerBytes;
        uncompressedTotal += layerBytes;
        compressedBefore += blob->size();
    }
    analyzer.finish(options.top);
    for (const LayerAnalysis &layer : std::as_const(result.layers)) {
        result.compressedSize += layer.compressedSize;
        result.contentBytes += layer.contentBytes;
        result.wastedBytes += layer.wastedBytes;
    }
    result.uncompressedSize = uncompressedTotal;
    if (result.contentBytes > 0)
        result.efficiencyPercent = 100.0 * double(result.finalBytes) / double(result.contentBytes);
    if (options.progress)
        options.progress(compressedTotal, compressedTotal);
    return result;
}

} // namespace Fcemu::Image
