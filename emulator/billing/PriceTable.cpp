#include "PriceTable.h"

#include <nlohmann/json.hpp>

#include <QFile>

// Q_INIT_RESOURCE declares the initializer with block-scope extern, so it must be called from the
// global namespace; needed because the resource lives in the static emulator library.
static void initBillingPricesResource()
{
    Q_INIT_RESOURCE(billing_prices);
}

namespace Fcemu::Billing {

namespace {

using nlohmann::json;

const QString builtInPath = u":/billing/prices.json"_qs;

QString join(const QString &path, const QString &name)
{
    return path.isEmpty() ? name : path + u'.' + name;
}

// "<file>: not valid JSON at byte 30: syntax error while parsing value - invalid literal; ..."
// nlohmann's what() starts "[json.exception.parse_error.101] parse error at line 1, column 30: ";
// the byte offset replaces that prefix.
Error syntaxError(const QString &origin, const json::parse_error &e)
{
    QString what = QString::fromUtf8(e.what());
    const qsizetype at = what.indexOf(u"parse error"_qs);
    const qsizetype colon = at < 0 ? -1 : what.indexOf(u": "_qs, at);
    if (colon >= 0)
        what = what.mid(colon + 2);
    what.replace(u'\n', u' ');
    return Error{ErrorKind::Usage, origin + u": not valid JSON at byte "_qs +
                                       QString::number(e.byte) + u": "_qs + what};
}

// A number too large for a double is out_of_range.406, not a parse_error, and has no position.
Error rangeError(const QString &origin, const json::exception &e)
{
    QString what = QString::fromUtf8(e.what());
    if (const qsizetype bracket = what.indexOf(u"] "_qs); bracket >= 0)
        what = what.mid(bracket + 2);
    return Error{ErrorKind::Usage, origin + u": not valid JSON: "_qs + what};
}

// Walks the JSON keeping the dotted key path, so the first problem becomes one line:
// "<file>: <key>: <what is wrong>".
class Reader final
{
public:
    explicit Reader(QString origin) : m_origin(std::move(origin)) {}

    bool ok() const { return !m_error; }
    Error error() const { return *m_error; }

    void failAt(const QString &key, const QString &problem)
    {
        if (!m_error)
            m_error = Error{ErrorKind::Usage, m_origin + u": "_qs + key + u": "_qs + problem};
    }

    const json *member(const json &object, const QString &path, const char *name)
    {
        const QString key = join(path, QString::fromLatin1(name));
        if (!object.is_object()) {
            failAt(path, u"expected an object"_qs);
            return nullptr;
        }
        const auto it = object.find(name);
        if (it == object.end()) {
            failAt(key, u"missing"_qs);
            return nullptr;
        }
        return &*it;
    }

    QString text(const json &object, const QString &path, const char *name)
    {
        const json *value = member(object, path, name);
        if (!value)
            return {};
        if (!value->is_string()) {
            failAt(join(path, QString::fromLatin1(name)), u"expected a string"_qs);
            return {};
        }
        return QString::fromStdString(value->get<std::string>());
    }

    QDate date(const json &object, const QString &path, const char *name)
    {
        const QString value = text(object, path, name);
        const QDate parsed = QDate::fromString(value, Qt::ISODate);
        if (ok() && !parsed.isValid())
            failAt(join(path, QString::fromLatin1(name)),
                   u"expected a date such as \"2024-08-27\", got \""_qs + value + u'"');
        return parsed;
    }

    // A non-negative decimal with at most scale decimals, given as a string ("0.15") or a JSON
    // number; the string form is what the shipped table uses because it stays exact.
    std::optional<Int128> decimalValue(const json &value, const QString &key, int scale,
                                       const QString &example)
    {
        std::optional<Int128> parsed;
        if (value.is_string())
            parsed = parseDecimal(QString::fromStdString(value.get<std::string>()), scale);
        else if (value.is_number_integer())
            parsed = parseDecimal(QString::number(value.get<qint64>()), scale);
        else if (value.is_number_float())
            // 15 decimals reproduce any price typed as a JSON number (0.000016384 → ...384000000).
            parsed = parseDecimal(QString::number(value.get<double>(), 'f', 15), scale);
        if (!parsed || *parsed < 0) {
            failAt(key, u"expected a non-negative decimal with at most "_qs +
                            QString::number(scale) + u" decimals, such as \""_qs + example + u'"');
            return std::nullopt;
        }
        return parsed;
    }

    std::optional<Int128> decimal(const json &object, const QString &path, const char *name,
                                  int scale, const QString &example)
    {
        const json *value = member(object, path, name);
        if (!value)
            return std::nullopt;
        return decimalValue(*value, join(path, QString::fromLatin1(name)), scale, example);
    }

    Money money(const json &object, const QString &path, const char *name, const QString &currency,
                const QString &example)
    {
        const auto value = decimal(object, path, name, Money::kDecimals, example);
        return Money::fromPico(value ? saturateToInt64(*value) : 0, currency);
    }

    qint64 factor(const json &object, const QString &path, const char *name)
    {
        const auto value = decimal(object, path, name, 6, u"0.15"_qs);
        return value ? saturateToInt64(*value) : 0;
    }

    qint64 count(const json &value, const QString &key, qint64 minimum)
    {
        if (!value.is_number_integer() || value.get<qint64>() < minimum) {
            failAt(key, u"expected a whole number of at least "_qs + QString::number(minimum));
            return minimum;
        }
        return value.get<qint64>();
    }

    qint64 count(const json &object, const QString &path, const char *name, qint64 minimum)
    {
        const json *value = member(object, path, name);
        return value ? count(*value, join(path, QString::fromLatin1(name)), minimum) : minimum;
    }

    PriceSource source(const json &object, const QString &path)
    {
        PriceSource s;
        s.effectiveDate = date(object, path, "effectiveDate");
        s.url = text(object, path, "source");
        s.citation = text(object, path, "citation");
        if (object.contains("note"))
            s.note = text(object, path, "note");
        return s;
    }

    CuFactors factors(const json &object, const QString &path)
    {
        CuFactors f;
        f.vcpuSecondMicro = factor(object, path, "vcpuSecond");
        f.memoryGbSecondMicro = factor(object, path, "memoryGbSecond");
        f.diskGbSecondMicro = factor(object, path, "diskGbSecond");
        f.invocationMicro = factor(object, path, "invocation");
        return f;
    }

    QList<CuTier> tiers(const json &list, const QString &key, const QString &currency)
    {
        QList<CuTier> result;
        if (!list.is_array() || list.empty()) {
            failAt(key, u"expected a non-empty list of {\"upToCu\", \"price\"} tiers"_qs);
            return result;
        }
        for (std::size_t i = 0; i < list.size() && ok(); ++i) {
            const QString itemKey = key + u'[' + QString::number(i) + u']';
            const json &item = list[i];
            CuTier tier;
            const json *upTo = member(item, itemKey, "upToCu");
            if (!upTo)
                break;
            if (!upTo->is_null()) {
                tier.upToCu = count(*upTo, join(itemKey, u"upToCu"_qs), 1);
                if (!result.isEmpty() && result.back().upToCu &&
                    *tier.upToCu <= *result.back().upToCu)
                    failAt(join(itemKey, u"upToCu"_qs), u"tier boundaries must increase"_qs);
            }
            if (!tier.upToCu && i + 1 != list.size())
                failAt(join(itemKey, u"upToCu"_qs),
                       u"only the last tier may be unbounded (null)"_qs);
            if (tier.upToCu && i + 1 == list.size())
                failAt(join(itemKey, u"upToCu"_qs), u"the last tier must be unbounded (null)"_qs);
            tier.price = money(item, itemKey, "price", currency, u"0.000020"_qs);
            result.append(tier);
        }
        return result;
    }

private:
    QString m_origin;
    std::optional<Error> m_error;
};

} // namespace

Result<PriceTable> PriceTable::fromJson(const QByteArray &bytes, const QString &origin)
{
    // Keep nlohmann's exceptions at this boundary (STYLE.md §2).
    json root;
    try {
        root = json::parse(bytes.begin(), bytes.end());
    } catch (const json::parse_error &e) {
        return std::unexpected(syntaxError(origin, e));
    } catch (const json::exception &e) {
        return std::unexpected(rangeError(origin, e));
    }

    Reader r(origin);
    PriceTable table;
    table.m_origin = origin;

    if (const json *fc2 = r.member(root, {}, "fc2")) {
        const QString p = u"fc2"_qs;
        Fc2Prices &t = table.m_fc2;
        t.source = r.source(*fc2, p);
        t.currency = r.text(*fc2, p, "currency");
        t.requestPricePerMillion =
            r.money(*fc2, p, "requestPricePerMillion", t.currency, u"0.2"_qs);
        t.gbSecondPrice = r.money(*fc2, p, "gbSecondPrice", t.currency, u"0.000016384"_qs);
        if (const json *free = r.member(*fc2, p, "freeTier")) {
            t.freeRequestsPerMonth = r.count(*free, u"fc2.freeTier"_qs, "requestsPerMonth", 0);
            t.freeGbSecondsPerMonth = r.count(*free, u"fc2.freeTier"_qs, "gbSecondsPerMonth", 0);
        }
        t.granularityMs = int(r.count(*fc2, p, "granularityMs", 1));
        t.legacyGranularityMs = int(r.count(*fc2, p, "legacyGranularityMs", 1));
    }
    if (const json *fc3 = r.ok() ? r.member(root, {}, "fc3") : nullptr) {
        const QString p = u"fc3"_qs;
        Fc3Prices &t = table.m_fc3;
        t.source = r.source(*fc3, p);
        if (const json *active = r.member(*fc3, p, "active"))
            t.active = r.factors(*active, u"fc3.active"_qs);
        if (const json *idle = r.ok() ? r.member(*fc3, p, "idle") : nullptr)
            t.idle = r.factors(*idle, u"fc3.idle"_qs);
        t.diskFreeMB = int(r.count(*fc3, p, "diskFreeMB", 0));
        t.diskFreeMBAlternative = int(r.count(*fc3, p, "diskFreeMBAlternative", 0));
        t.granularityMs = int(r.count(*fc3, p, "granularityMs", 1));
        t.provisionedGranularityMs = int(r.count(*fc3, p, "provisionedGranularityMs", 1));
        if (const json *tiers = r.ok() ? r.member(*fc3, p, "tiers") : nullptr) {
            if (!tiers->is_object() || tiers->empty())
                r.failAt(u"fc3.tiers"_qs, u"expected an object of tier lists by currency"_qs);
            else
                for (auto it = tiers->begin(); it != tiers->end() && r.ok(); ++it) {
                    const QString currency = QString::fromStdString(it.key());
                    t.tiers.insert(currency,
                                   r.tiers(it.value(), u"fc3.tiers."_qs + currency, currency));
                }
        }
    }
    if (!r.ok())
        return std::unexpected(r.error());
    return table;
}

PriceTable PriceTable::builtIn()
{
    static const PriceTable table = [] {
        initBillingPricesResource();
        QFile file(builtInPath);
        if (!file.open(QIODevice::ReadOnly))
            qFatal("fcemu: the built-in price table %s is missing from the build",
                   qPrintable(builtInPath));
        auto parsed = fromJson(file.readAll(), builtInPath);
        if (!parsed) // a build defect: TestPriceTable checks the shipped file
            qFatal("fcemu: %s", qPrintable(parsed.error().message));
        return *parsed;
    }();
    return table;
}

Result<PriceTable> PriceTable::load(const QString &path)
{
    const QString &name = path; // errors name the file as the user gave it
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(ErrorKind::Io,
                    name + u": cannot read the price file: "_qs + file.errorString());
    const QByteArray userBytes = file.readAll();

    json patch;
    try {
        patch = json::parse(userBytes.begin(), userBytes.end());
    } catch (const json::parse_error &e) {
        return std::unexpected(syntaxError(name, e));
    } catch (const json::exception &e) {
        return std::unexpected(rangeError(name, e));
    }
    if (!patch.is_object())
        return fail(ErrorKind::Usage, name + u": (top level): expected a JSON object"_qs);

    initBillingPricesResource();
    QFile builtIn(builtInPath);
    if (!builtIn.open(QIODevice::ReadOnly))
        return fail(ErrorKind::Platform, builtInPath + u": missing from the build"_qs);
    json merged = json::parse(builtIn.readAll().toStdString(), nullptr, false);
    merged.merge_patch(patch);
    return fromJson(QByteArray::fromStdString(merged.dump()), name);
}

} // namespace Fcemu::Billing
