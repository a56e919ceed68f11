#include "Reference.h"

#include <QFileInfo>
#include <QRegularExpression>

namespace Fcemu::Registry {

namespace {

bool isHost(const QString &component)
{
    return component.contains(u'.') || component.contains(u':') || component == u"localhost"_qs;
}

} // namespace

QString Reference::toString() const
{
    QString out = registry + u'/' + repository;
    if (!tag.isEmpty())
        out += u':' + tag;
    if (!digest.isEmpty())
        out += u'@' + digest;
    return out;
}

QString Reference::where() const
{
    QString out = u"registry "_qs + registry + u", repository "_qs + repository;
    if (!digest.isEmpty())
        out += u", digest "_qs + digest;
    else
        out += u", tag "_qs + tag;
    return out;
}

Result<Reference> Reference::parse(const QString &text)
{
    // The grammar of distribution/reference (reference.go), host part required.
    static const QRegularExpression host(
        uR"(^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]{1,5})?$)"_qs);
    static const QRegularExpression component(uR"(^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$)"_qs);
    static const QRegularExpression tagRe(uR"(^[\w][\w.-]{0,127}$)"_qs);
    static const QRegularExpression digestRe(uR"(^sha256:[a-f0-9]{64}$)"_qs);
    auto bad = [&](const QString &why) -> std::unexpected<Error> {
        return fail(ErrorKind::ImageRefused,
                    text + u": not a registry reference: "_qs + why +
                        u" (expected REGISTRY/REPO:TAG or REGISTRY/REPO@sha256:...)"_qs);
    };
    const qsizetype slash = text.indexOf(u'/');
    if (slash <= 0)
        return bad(u"no registry host"_qs);
    Reference ref;
    ref.registry = text.left(slash);
    if (!host.match(ref.registry).hasMatch())
        return bad(u"'"_qs + ref.registry + u"' is not a host[:port]"_qs);
    QString rest = text.mid(slash + 1);
    if (const qsizetype at = rest.indexOf(u'@'); at >= 0) {
        ref.digest = rest.mid(at + 1);
        rest = rest.left(at);
        if (!digestRe.match(ref.digest).hasMatch())
            return bad(u"'"_qs + ref.digest + u"' is not a sha256 digest"_qs);
    }
    const qsizetype lastSlash = rest.lastIndexOf(u'/');
    if (const qsizetype colon = rest.lastIndexOf(u':'); colon > lastSlash) {
        ref.tag = rest.mid(colon + 1);
        rest = rest.left(colon);
        if (!tagRe.match(ref.tag).hasMatch())
            return bad(u"'"_qs + ref.tag + u"' is not a valid tag"_qs);
    }
    if (rest.isEmpty())
        return bad(u"no repository"_qs);
    if (rest.size() > 255)
        return bad(u"the repository name is longer than 255 characters"_qs);
    for (const QString &c : rest.split(u'/')) {
        if (!component.match(c).hasMatch())
            return bad(u"'"_qs + c +
                       u"' is not a repository component (lower-case letters, digits, . _ -)"_qs);
    }
    ref.repository = rest;
    if (ref.tag.isEmpty() && ref.digest.isEmpty())
        ref.tag = u"latest"_qs;
    return ref;
}

bool looksLikeReference(const QString &text)
{
    if (text.isEmpty() || text.startsWith(u'/') || text.startsWith(u'.') || QFileInfo::exists(text))
        return false;
    const qsizetype slash = text.indexOf(u'/');
    return slash > 0 && slash + 1 < text.size() && isHost(text.left(slash));
}

} // namespace Fcemu::Registry
