#pragma once

#include <optional>

#include <nlohmann/json_fwd.hpp>

#include <QList>
#include <QString>
#include <QStringList>

#include "common/Error.h"

namespace Fcemu::Runtime {

struct PreparedImage;

// What a cold start read from its image (CONTRACT §1.3 --profile-startup; docs/startup-profile.md):
// the files whose pages entered the page cache between StartupProfiler::begin() and finish().
struct ProfileFile
{
    QString path; // relative to the root: "app/server.js"
    qint64 size = 0;
    qint64 readBytes = 0; // resident pages × page size, at most the size
    int layer = -1;       // topmost layer providing it; -1: unknown
};

struct ProfileShare
{
    QString name;   // a layer's diffID, or a folder ("usr/lib", "app", "/" for the root's files)
    int index = -1; // a layer's position (0 = base); -1 for a folder
    qint64 readBytes = 0;
    int readFiles = 0;
    qint64 bytes = 0;
    int files = 0;
};

struct StartupProfile
{
    QString imageKey; // the cache key (ChainID) the profile belongs to
    QString through;  // "first request" (web-server mode) or "run" (non-web-server mode)
    qint64 readBytes = 0;
    int readFiles = 0;
    qint64 totalBytes = 0;
    int totalFiles = 0;
    qint64 stayedResident = 0; // pages no drop could evict (mapped elsewhere): counted as read
    qint64 compressedSize = 0; // the image's layers as a registry stores them
    QList<ProfileShare> layers;
    QList<ProfileShare> folders;      // by bytes read, then size
    QList<ProfileFile> files;         // every file read, by path
    QList<ProfileFile> largestUnread; // the 10 largest files never read

    // What an on-demand (lazy) pull moves: the bytes read, compressed as the image's layers
    // are on average, never more than the whole image.
    qint64 acceleratedPullBytes() const;

    nlohmann::json toJson() const;
    static std::optional<StartupProfile> fromJson(const nlohmann::json &j);
};

// The cold start with and without image acceleration at one bandwidth.
struct PullEstimate
{
    double bandwidthMBps = 0;
    bool assumedBandwidth = false; // no --pull-bandwidth: kDefaultPullBandwidthMBps
    qint64 acceleratedBytes = 0;
    qint64 fullBytes = 0;
    double acceleratedPullMs = 0;
    double fullPullMs = 0;
    double restMs = 0; // the measured cold start without its pull
    double acceleratedColdStartMs() const { return restMs + acceleratedPullMs; }
    double fullColdStartMs() const { return restMs + fullPullMs; }
    nlohmann::json toJson() const;
};

inline constexpr double kDefaultPullBandwidthMBps = 20.0;

PullEstimate estimatePull(const StartupProfile &profile, std::optional<double> bandwidthMBps,
                          double restOfColdStartMs);

// Profiling one cold start: begin() writes back and evicts the rootfs's pages from the page
// cache (posix_fadvise DONTNEED; no root needed, no metadata changed), finish() asks mincore()
// which pages came back. Refuses, with one line, where the page cache cannot tell (tmpfs, a
// cache owned by another user).
class StartupProfiler final
{
public:
    static Result<StartupProfiler> begin(const QString &rootfs);
    // `through`: "first request" or "run". Maps files to layers by reading the image's layers.
    Result<StartupProfile> finish(const PreparedImage &image, const QString &through) const;
    double beginMs() const { return m_beginMs; }

private:
    QString m_rootfs;
    double m_beginMs = 0;
};

// The image cache a prepared image lives in (<cache>/images/<key>).
QString cacheDirectoryOf(const PreparedImage &image);

// Kept beside the cache's images: <cache>/profiles/<key>.json (survives `image cache prune`,
// so the next pull of the image can be an accelerated one).
QString profilePath(const QString &cacheDirectory, const QString &key);
Result<void> storeProfile(const QString &cacheDirectory, const StartupProfile &profile);
std::optional<StartupProfile> loadProfile(const QString &cacheDirectory, const QString &key);

// "14 MB", "1.2 MB", "350 KB": decimal units (as --pull-bandwidth), thousands separators.
QString decimalBytes(qint64 bytes);
// "start-up read 14 MB in 1,200 files of 226 MB"
QString profileSummary(const StartupProfile &profile);
// The CLI's section (and the GUI's text): summary, by layer, by folder, never read, estimate.
QStringList describeProfile(const StartupProfile &profile, const PullEstimate &estimate);

} // namespace Fcemu::Runtime
