#pragma once

// Internal to emulator/config: what fcemu does with each property of a config file, so that
// no property that changes a function's behaviour on FC is dropped silently. A reader applies
// the properties it knows; findIgnored() lists the others ("key.path: ignored by fcemu
// (why)"), which end up in FunctionConfig::ignoredProperties.

#include <span>
#include <string_view>

#include <QStringList>

#include "config/ConfigTree.h"

namespace Fcemu::Config::detail {

enum class Use {
    Applied,  // read into the FunctionConfig (for an object: its own rules say which keys)
    NoEffect, // changes nothing a function sees (a description, tags, a code path)
    Ignored,  // would change behaviour on FC; fcemu does not emulate it: reported with `why`
};

struct PropertyRule
{
    std::string_view path; // relative to the object checked, dotted: "customContainerConfig.port"
    Use use;
    std::string_view why = {};
};

// Appends "path: ignored by fcemu (why)" for every key of o (recursively through Applied
// objects that have rules for their keys) whose rule is Ignored, and for every key without
// a rule (why: unknownWhy).
void findIgnored(const Object &o, std::span<const PropertyRule> rules, const QString &unknownWhy,
                 QStringList &out);

// The HTTP trigger of a trigger list, and the other triggers reported as ignored. Each item
// is an object whose typeKey names the type ("http", "timer", ...) and whose configKey holds
// methodsKey and authKey. The first HTTP trigger is applied; its authType defaults to
// function as in FC's API.
Status readTriggers(const Object &parent, const char *listKey, const char *typeKey,
                    const char *configKey, const char *methodsKey, const char *authKey,
                    HttpTrigger &out, QStringList &ignored);

// Funcraft's Events: a mapping of names to {Type, Properties {AuthType, Methods}}.
Status readFuncraftEvents(const Object &function, HttpTrigger &out, QStringList &ignored);

} // namespace Fcemu::Config::detail
