// The providers being edited on the Providers page, staged against the live set.
#include "providers/providers_draft.h"

#include <algorithm>
#include <utility>

#include "config/provider_check.h"
#include "config/secret_reference.h"
#include "common/qt_text.h"
#include "security/secret_environment.h"

namespace {

// The live set as the editor holds it. A provider built in code has no written URL: its
// resolved one stands for it (a simulated provider keeps what was written, not the
// simulator's). A provider the load disabled for a missing key (demo mode off) is enabled
// as written: saving it must not turn it off for good. `notes` are the load's, by index.
ProviderSheet sheetOf(const std::vector<sb::ProviderConfig>& live,
                      const std::vector<sb::ConfigError>& notes) {
    ProviderSheet sheet;
    for (std::size_t i = 0; i < live.size(); ++i) {
        ProviderEntry entry{live[i], {}};
        if (entry.config.base_url_ref.empty() && !entry.config.simulated)
            entry.config.base_url_ref = entry.config.base_url;
        const std::string path = "providers[" + std::to_string(i) + "].";
        for (const auto& note : notes)
            if (note.path.starts_with(path) && note.rule.ends_with("provider disabled (demo mode is off)"))
                entry.config.enabled = true;
        sheet.push_back(std::move(entry));
    }
    return sheet;
}

std::string pathOf(int row) {
    return "providers[" + std::to_string(row) + "]";
}

}  // namespace

sb::ProviderConfig writtenProvider(const ProviderEntry& entry) {
    sb::ProviderConfig provider = entry.config;
    if (!entry.typed_key.empty()) provider.api_key_ref = sb::secret_reference(provider.name);
    return provider;
}

QString keySource(const ProviderEntry& entry) {
    const std::string ref = writtenProvider(entry).api_key_ref;
    QString source;
    if (const auto secret = sb::secret_name(ref))
        source = QObject::tr("secret store (%1)").arg(qs(*secret));
    else if (ref.starts_with("${") && ref.ends_with('}'))
        source = QObject::tr("env $%1").arg(QString::fromStdString(ref.substr(2, ref.size() - 3)));
    else if (ref.empty())
        source = QObject::tr("none");
    else
        source = QObject::tr("not a reference");  // a load refuses it; named, never shown
    if (!entry.typed_key.empty()) source += QObject::tr(" · new key, stored on Apply");
    return source;
}

ProvidersDraft::ProvidersDraft(sb::Config base, sb::RoutingConfig routing,
                               const std::vector<sb::ProviderConfig>& live, QObject* parent)
    : Draft(parent),
      m_base(std::move(base)),
      m_routing(std::move(routing)),
      m_environment(sb::process_environment()),
      m_liveNotes(m_base.notes),
      m_state(sheetOf(live, m_base.notes), [this](const ProviderSheet& sheet) { return check(sheet); }) {}

std::vector<sb::ProviderConfig> ProvidersDraft::writtenProviders() const {
    std::vector<sb::ProviderConfig> providers;
    for (const auto& entry : draft()) providers.push_back(writtenProvider(entry));
    return providers;
}

std::map<std::string, std::string> ProvidersDraft::typedKeys() const {
    std::map<std::string, std::string> keys;
    for (const auto& entry : draft())
        if (!entry.typed_key.empty()) keys[entry.config.name] = entry.typed_key;
    return keys;
}

sb::EnvLookup ProvidersDraft::lookup(const ProviderSheet& sheet) const {
    std::map<std::string, std::string> keys = m_known;
    for (const auto& entry : sheet)
        if (!entry.typed_key.empty()) keys[sb::secret_reference(entry.config.name)] = entry.typed_key;
    return [keys = std::move(keys),
            environment = m_environment](const std::string& name) -> std::optional<std::string> {
        if (const auto it = keys.find(name); it != keys.end()) return it->second;
        return environment(name);
    };
}

std::vector<sb::ConfigError> ProvidersDraft::check(const ProviderSheet& sheet) {
    std::vector<sb::ProviderConfig> providers;
    for (const auto& entry : sheet) providers.push_back(writtenProvider(entry));
    auto checked = sb::check_providers(m_base, m_routing, providers, lookup(sheet));
    if (!checked) {
        m_resolved.reset();
        return checked.error();
    }
    m_resolved = std::move(*checked);
    return {};
}

std::expected<sb::ProviderConfig, std::vector<sb::ConfigError>> ProvidersDraft::resolveOne(int row) const {
    const auto& entry = draft().at(std::size_t(row));
    auto resolved = sb::resolve_provider(m_base, writtenProvider(entry), lookup(draft()));
    if (resolved) return resolved;
    auto errors = std::move(resolved.error());
    for (auto& error : errors)
        if (error.path.starts_with(pathOf(0))) error.path = pathOf(row) + error.path.substr(pathOf(0).size());
    return std::unexpected(std::move(errors));
}

void ProvidersDraft::setRouting(sb::RoutingConfig routing) {
    m_routing = std::move(routing);
    m_state.revalidate();
    emit changed();
}

void ProvidersDraft::setApplied(const std::vector<sb::ProviderConfig>& live) {
    if (m_state.setApplied(sheetOf(live, m_liveNotes))) emit changed();
}

void ProvidersDraft::accept(const std::vector<sb::ProviderConfig>& live,
                            const std::map<std::string, std::string>& keys) {
    for (const auto& [name, key] : keys) m_known[sb::secret_reference(name)] = key;
    if (m_resolved) m_liveNotes = m_resolved->notes;  // what was applied is the draft resolved
    m_state.setApplied(sheetOf(live, m_liveNotes));
    m_state.revert();
    m_state.revalidate();
    emit changed();
}

void ProvidersDraft::revert() {
    if (m_state.revert()) emit changed();
}

void ProvidersDraft::edit(const std::function<void(ProviderSheet&)>& change) {
    if (m_state.edit(change)) emit changed();
}

int ProvidersDraft::add() {
    const auto taken = [this](const std::string& name) {
        return std::any_of(draft().begin(), draft().end(),
                           [&](const ProviderEntry& e) { return e.config.name == name; });
    };
    int number = int(draft().size()) + 1;
    while (taken("provider-" + std::to_string(number))) ++number;
    ProviderEntry entry;
    entry.config.name = "provider-" + std::to_string(number);
    entry.config.kind = sb::ProviderKind::OpenAI;
    entry.config.base_url_ref = "https://api.openai.com/v1";
    entry.config.default_model = "gpt-4o-mini";
    entry.config.models = {"gpt-4o-mini"};
    edit([&entry](ProviderSheet& sheet) { sheet.push_back(entry); });
    return int(draft().size()) - 1;
}

void ProvidersDraft::remove(int row) {
    if (row < 0 || row >= int(draft().size())) return;
    edit([row](ProviderSheet& sheet) { sheet.erase(sheet.begin() + row); });
}
