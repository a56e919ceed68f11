// The configuration readers (CONTRACT §1.1, --config): Serverless Devs s.yaml (fc and fc3),
// template.yml and plain JSON or YAML, through the same file path `--config` takes. The first byte
// picks the file name, since the format is told from the name and the content.
#include <cstddef>
#include <cstdint>

#include <QFile>
#include <QTemporaryDir>

#include "config/ConfigFile.h"

using namespace Fcemu;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static QTemporaryDir dir;
    if (size == 0 || !dir.isValid())
        return 0;
    static const QString names[] = {u"s.yaml"_qs, u"template.yml"_qs, u"function.json"_qs,
                                    u"fc.yaml"_qs};
    const QString path = dir.filePath(names[data[0] % 4]);
    {
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return 0;
        file.write(reinterpret_cast<const char *>(data + 1), qint64(size - 1));
    }
    (void)Config::detectConfigFormat(path);
    (void)Config::listConfigFunctions(path);
    if (auto config = Config::loadConfigFile(path); !config)
        (void)config.error().message;
    return 0;
}
