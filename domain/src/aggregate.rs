//! The glue between Folio's pure decisions and cqrs-es.
//!
//! Every aggregate decides synchronously (`decide(&self, command) -> events | error`)
//! without side effects; cqrs-es' async `handle` only forwards the decided events to
//! its sink. Tests can call `decide` directly or go through cqrs-es' `TestFramework`.

use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;

use crate::ids::TenantId;

/// An aggregate whose decisions are a pure function of its state and a command.
pub trait Decide: Aggregate {
    /// Checks `command` against the current state and returns the events it causes.
    fn decide(&self, command: Self::Command) -> Result<Vec<Self::Event>, Self::Error>;
}

/// An aggregate that belongs to exactly one tenant, fixed by its first event.
pub trait TenantOwned {
    /// The owning tenant, or `None` before the aggregate exists.
    fn tenant(&self) -> Option<TenantId>;
}

/// Runs `decide` and writes its events through cqrs-es' sink (which folds each one
/// into the aggregate with `apply`).
pub async fn decide_into_sink<A: Decide>(
    aggregate: &mut A,
    command: A::Command,
    sink: &EventSink<A>,
) -> Result<(), A::Error> {
    let events = aggregate.decide(command)?;
    for event in events {
        sink.write(event, aggregate).await;
    }
    Ok(())
}

/// Declares an aggregate's events as a cqrs-es `DomainEvent`: the type name is the
/// variant's name and the version is the one [`crate::versions`] says it is
/// written at today.
macro_rules! domain_event {
    ($event:ty) => {
        impl cqrs_es::DomainEvent for $event {
            fn event_type(&self) -> String {
                let name: &'static str = self.into();
                name.to_owned()
            }
            fn event_version(&self) -> String {
                $crate::versions::current_version(self.into()).to_owned()
            }
        }
    };
}
pub(crate) use domain_event;

/// Implements cqrs-es' `Aggregate` for a type that implements [`Decide`].
macro_rules! cqrs_aggregate {
    ($aggregate:ty, type = $type:literal, command = $command:ty, event = $event:ty, error = $error:ty) => {
        impl cqrs_es::Aggregate for $aggregate {
            const TYPE: &'static str = $type;
            type Command = $command;
            type Event = $event;
            type Error = $error;
            type Services = ();

            async fn handle(
                &mut self,
                command: Self::Command,
                _services: &Self::Services,
                sink: &cqrs_es::event_sink::EventSink<Self>,
            ) -> Result<(), Self::Error> {
                $crate::aggregate::decide_into_sink(self, command, sink).await
            }

            fn apply(&mut self, event: Self::Event) {
                self.fold(event);
            }
        }
    };
}
pub(crate) use cqrs_aggregate;
