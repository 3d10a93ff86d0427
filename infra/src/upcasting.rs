//! The domain's upcasters (`folio_domain::versions`) plugged into cqrs-es, so an
//! aggregate loaded from the store folds old event versions as today's events.

use cqrs_es::persist::{EventUpcaster, SerializedEvent};

/// Upcasts every stored event older than its type's current version.
#[derive(Debug, Clone, Copy, Default)]
pub struct DomainUpcaster;

impl EventUpcaster for DomainUpcaster {
    fn can_upcast(&self, event_type: &str, event_version: &str) -> bool {
        event_version != folio_domain::versions::current_version(event_type)
    }

    fn upcast(&self, event: SerializedEvent) -> SerializedEvent {
        let current = folio_domain::versions::current_version(&event.event_type);
        match folio_domain::versions::upcast(
            &event.event_type,
            &event.event_version,
            event.payload.clone(),
        ) {
            Ok(payload) => SerializedEvent {
                payload,
                event_version: current.to_owned(),
                ..event
            },
            // cqrs-es' upcaster cannot fail: the event stays as stored, and
            // deserialising it fails with cqrs-es' own error, which the command
            // path reports (nothing is written).
            Err(error) => {
                tracing::error!(%error, aggregate_id = %event.aggregate_id, sequence = event.sequence, "cannot upcast a stored event");
                event
            }
        }
    }
}
