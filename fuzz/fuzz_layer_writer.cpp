// RootWriter, the layer writer, on arbitrary tar streams into a scratch root: the input is
// applied as layer 1 and then again as layer 2 over what layer 1 left, so replacements, type
// changes, whiteouts and hardlinks across layers are reached. Nothing may appear outside the
// root: a canary folder beside it is checked after every input.
#include <archive.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include "image/FileTree.h"
#include "image/RootWriter.h"

using namespace Fcemu;

namespace {

int countEntries(const QString &path)
{
    return int(QDir(path)
                   .entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System)
                   .size());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static QTemporaryDir dir;
    if (!dir.isValid())
        return 0;
    const QString rootPath = dir.filePath(u"root"_qs);
    const QString outside = dir.filePath(u"outside"_qs);
    QDir().mkpath(rootPath);
    QDir().mkpath(outside);
    {
        UniqueFd rootFd(
            ::open(QFile::encodeName(rootPath).constData(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!rootFd)
            return 0;
        Image::RootWriter writer(std::move(rootFd));
        for (int layer = 0; layer < 2; ++layer) {
            std::unique_ptr<archive, decltype(&archive_read_free)> reader(archive_read_new(),
                                                                          &archive_read_free);
            archive_read_support_format_tar(reader.get());
            archive_read_support_format_gnutar(reader.get());
            if (archive_read_open_memory(reader.get(), data, size) != ARCHIVE_OK)
                break;
            if (!writer.applyLayer(reader.get(), u"layer"_qs, {}))
                break;
        }
        (void)writer.finish();
    }
    // Containment: the root's sibling and the temporary folder hold nothing new.
    if (countEntries(outside) != 0 || countEntries(dir.path()) != 2)
        std::abort();
    (void)Image::removeAll(rootPath);
    return 0;
}
