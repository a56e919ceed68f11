#include <yaml-cpp/yaml.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>

#include "config/ConfigReaders.h"
#include "config/Variables.h"

// Parsing a configuration file: YAML (as js-yaml reads it) or JSON into one tree with the line
// of every key, then Serverless Devs' variables resolved.

namespace Fcemu::Config::detail {

namespace {

constexpr qint64 kMaxFileBytes = 4 << 20;
// Aliases can expand a small YAML file into a huge tree ("billion laughs"); stop early.
constexpr int kMaxNodes = 200000;
constexpr int kMaxDepth = 200;

class YamlConverter final
{
public:
    explicit YamlConverter(Source &source) : m_source(source) {}

    Result<Json> convert(const YAML::Node &node, const std::string &path, int depth)
    {
        if (++m_nodes > kMaxNodes)
            return fail(ErrorKind::Usage,
                        m_source.file + u": the YAML expands to too many nodes (aliases nested "
                                        u"too deep?); fcemu reads at most %1"_qs.arg(kMaxNodes));
        if (depth > kMaxDepth)
            return fail(ErrorKind::Usage,
                        u"%1:%2: the YAML is nested more than %3 levels deep"_qs.arg(
                            m_source.file, QString::number(node.Mark().line + 1),
                            QString::number(kMaxDepth)));
        switch (node.Type()) {
        case YAML::NodeType::Undefined:
        case YAML::NodeType::Null:
            return Json();
        case YAML::NodeType::Scalar:
            return scalar(node);
        case YAML::NodeType::Sequence: {
            Json array = Json::array();
            int index = 0;
            for (const YAML::Node &item : node) {
                const std::string itemPath = path + '[' + std::to_string(index++) + ']';
                remember(itemPath, item.Mark());
                auto value = convert(item, itemPath, depth + 1);
                if (!value)
                    return value;
                array.push_back(std::move(*value));
            }
            return array;
        }
        case YAML::NodeType::Map: {
            Json object = Json::object();
            std::vector<Json> merges;
            for (auto it = node.begin(); it != node.end(); ++it) {
                // Copies: `it->` hands out a temporary pair, so references into it dangle.
                const YAML::Node keyNode = it->first;
                const YAML::Node valueNode = it->second;
                if (!keyNode.IsScalar())
                    return fail(
                        ErrorKind::Usage,
                        u"%1:%2: %3: keys must be plain text, not lists or mappings"_qs.arg(
                            m_source.file, QString::number(keyNode.Mark().line + 1),
                            path.empty() ? u"(top level)"_qs : QString::fromStdString(path)));
                const std::string key = keyNode.Scalar();
                const std::string childPath = joinPath(path, key);
                auto value = convert(valueNode, childPath, depth + 1);
                if (!value)
                    return value;
                if (key == "<<" && keyNode.Tag() != "!") {
                    merges.push_back(std::move(*value));
                    continue;
                }
                remember(childPath, keyNode.Mark());
                object[key] = std::move(*value);
            }
            // YAML merge keys (<<: *base): explicit keys win over merged ones.
            for (const Json &merge : merges) {
                const auto merged = merge.is_array() ? merge : Json::array({merge});
                for (const Json &map : merged) {
                    if (!map.is_object())
                        continue;
                    for (auto it = map.begin(); it != map.end(); ++it) {
                        if (!object.contains(it.key()))
                            object[it.key()] = it.value();
                    }
                }
            }
            return object;
        }
        }
        return Json();
    }

private:
    void remember(const std::string &path, const YAML::Mark &mark)
    {
        if (mark.line >= 0)
            m_source.lines.emplace(path, mark.line + 1);
    }

    // YAML 1.2 core schema, as js-yaml (Serverless Devs, Funcraft) reads it: a plain
    // scalar may be null, a boolean, an integer or a float; a quoted one is text.
    static Json scalar(const YAML::Node &node)
    {
        const std::string &text = node.Scalar();
        const std::string &tag = node.Tag();
        if (tag == "!" || tag == "tag:yaml.org,2002:str")
            return text;
        static const QRegularExpression intPattern(u"\\A[-+]?[0-9]+\\z"_qs);
        static const QRegularExpression floatPattern(
            u"\\A[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?\\z"_qs);
        if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL")
            return Json();
        if (text == "true" || text == "True" || text == "TRUE")
            return true;
        if (text == "false" || text == "False" || text == "FALSE")
            return false;
        const QString q = QString::fromStdString(text);
        bool ok = false;
        if (intPattern.match(q).hasMatch()) {
            const qint64 value = q.toLongLong(&ok);
            if (ok)
                return value;
        }
        if (floatPattern.match(q).hasMatch()) {
            const double value = q.toDouble(&ok);
            if (ok)
                return value;
        }
        return text;
    }

    Source &m_source;
    int m_nodes = 0;
};

} // namespace

Result<Parsed> parseFile(const QString &path, const QString &accountId)
{
    Parsed parsed;
    parsed.source.file = path;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(ErrorKind::Usage,
                    path + u": cannot read the configuration file: "_qs + file.errorString());
    if (file.size() > kMaxFileBytes)
        return fail(ErrorKind::Usage, path + u": the configuration file is larger than 4 MB"_qs);
    QByteArray bytes = file.read(kMaxFileBytes + 1);
    if (bytes.startsWith("\xEF\xBB\xBF"))
        bytes.remove(0, 3);
    const QByteArray trimmed = bytes.trimmed();
    if (trimmed.isEmpty())
        return fail(ErrorKind::Usage, path + u": the configuration file is empty"_qs);

    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
        try {
            parsed.root = Json::parse(bytes.constData(), bytes.constData() + bytes.size());
        } catch (const Json::parse_error &e) {
            const qsizetype upTo = std::min<qsizetype>(qsizetype(e.byte), bytes.size());
            const qsizetype line = bytes.left(upTo).count('\n') + 1;
            // nlohmann's what() is "[json.exception.parse_error.101] parse error at line 1,
            // column 5: syntax error while parsing value - invalid literal; ..."; keep the
            // part after the position.
            QString what = QString::fromUtf8(e.what());
            if (const qsizetype colon = what.indexOf(u": "_qs); colon >= 0)
                what = what.mid(colon + 2);
            return fail(ErrorKind::Usage,
                        u"%1:%2: invalid JSON: %3"_qs.arg(path, QString::number(line), what));
        } catch (const Json::exception &e) {
            // The parser reports a number too large for a double ({"memorySize": 1e999}) as
            // out_of_range.406, not as a parse_error; it carries no position (issue 15: this
            // escaped and aborted fcemu). Keep what follows "[json.exception.out_of_range.406] ".
            QString what = QString::fromUtf8(e.what());
            if (const qsizetype bracket = what.indexOf(u"] "_qs); bracket >= 0)
                what = what.mid(bracket + 2);
            return fail(ErrorKind::Usage, path + u": invalid JSON: "_qs + what);
        }
    } else {
        YAML::Node node;
        try {
            node = YAML::Load(bytes.toStdString());
        } catch (const YAML::Exception &e) {
            return fail(ErrorKind::Usage,
                        u"%1:%2: invalid YAML: %3"_qs.arg(path, QString::number(e.mark.line + 1),
                                                          QString::fromStdString(e.msg)));
        }
        try {
            YamlConverter converter(parsed.source);
            auto root = converter.convert(node, {}, 0);
            if (!root)
                return std::unexpected(root.error());
            parsed.root = std::move(*root);
        } catch (const YAML::Exception &e) {
            return fail(ErrorKind::Usage,
                        u"%1:%2: invalid YAML: %3"_qs.arg(path, QString::number(e.mark.line + 1),
                                                          QString::fromStdString(e.msg)));
        }
    }
    if (!parsed.root.is_object())
        return fail(ErrorKind::Usage,
                    path + u": expected a mapping of keys at the top level, got "_qs +
                        describe(parsed.root));
    // An s.yaml's ${vars.x}, ${env('X')}, ... resolved as `s` resolves them, with the .env
    // beside the file.
    if (parsed.root.contains("resources") || parsed.root.contains("services")) {
        VariableContext context;
        context.dotEnvFile = QFileInfo(path).dir().filePath(u".env"_qs);
        context.accountId = accountId;
        if (auto ok = resolveVariables(parsed.root, parsed.source, context); !ok)
            return std::unexpected(ok.error());
    }
    return parsed;
}

ConfigFormat detect(const Json &root)
{
    if (root.contains("resources") || root.contains("services") || root.contains("edition")) {
        if (root.contains("resources"))
            return ConfigFormat::ServerlessDevsFc3;
        return ConfigFormat::ServerlessDevsFc;
    }
    if (root.contains("Resources") || root.contains("ROSTemplateFormatVersion") ||
        root.contains("Transform"))
        return ConfigFormat::Funcraft;
    return ConfigFormat::Plain;
}

// "devsapp/fc@0.1.2" -> "fc"
QString componentName(const Json &value)
{
    if (!value.is_string())
        return {};
    QString name = QString::fromStdString(value.get<std::string>()).trimmed();
    if (const qsizetype at = name.indexOf(u'@'); at >= 0)
        name.truncate(at);
    if (const qsizetype slash = name.lastIndexOf(u'/'); slash >= 0)
        name = name.mid(slash + 1);
    return name.toLower();
}

QString runtimeOf(const Object &o, const char *key, bool hasContainer)
{
    const Json *value = o.get(key);
    if (value && value->is_string())
        return QString::fromStdString(value->get<std::string>()).trimmed().toLower();
    return hasContainer ? kCustomContainer : u"(no runtime)"_qs;
}

} // namespace Fcemu::Config::detail
