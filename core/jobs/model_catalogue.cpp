#include "core/jobs/model_catalogue.h"

#include "core/hub/catalogue.h"

namespace pictor::jobs {

std::vector<CatalogueModel> list_catalogue_models() {
    std::vector<CatalogueModel> out;
    const hub::Catalogue catalogue = hub::Catalogue::load();
    for (const hub::CatalogueEntry& e : catalogue.entries()) {
        const hub::ModelStatus status = hub::model_status(e);
        CatalogueModel m;
        m.name = e.name;
        m.title = e.title;
        m.description = e.description;
        m.reference = e.reference();
        m.variants = e.variants;
        m.approx_size = e.approx_size;
        m.status = status.summary();
        m.complete = status.state == hub::ModelStatus::State::complete;
        m.location = status.location.string();
        m.builtin = e.builtin;
        out.push_back(std::move(m));
    }
    return out;
}

}  // namespace pictor::jobs
