//! Reactors among the projectors: installed at the feed's head, never
//! rebuilt (ADR 013).

use std::sync::Arc;
use std::time::Instant;

use folio_projections::reactors::start_at_head;
use folio_projections::rebuild::{definition_hash, prepare_staging, swap_in};
use folio_projections::{Checkpoint, Projector, ProjectorKind, Target};

use super::{ProjectionRunError, Projections, RebuildReport};
use crate::postgres::pool::{self, PoolUse};

impl Projections {
    /// Installs a reactor at the feed's head, the first time; later, a new
    /// definition is only recorded: its checkpoint stays, so nothing is sent
    /// twice and nothing committed meanwhile is skipped.
    pub(super) async fn install_reactor_locked(
        &self,
        reactor: &dyn Projector,
    ) -> Result<Option<RebuildReport>, ProjectionRunError> {
        let started = Instant::now();
        let mut conn = pool::acquire(&self.pool, PoolUse::Projection).await?;
        if Checkpoint::load(&mut conn, reactor.name()).await?.is_some() {
            Checkpoint::redefine(&mut conn, reactor.name(), &definition_hash(reactor)).await?;
            return Ok(None);
        }
        drop(conn);
        prepare_staging(&self.pool, reactor).await?;
        let mut tx = pool::begin(&self.pool, PoolUse::Projection).await?;
        Checkpoint::lock(&mut tx, reactor.name()).await?;
        Target::staging(reactor).enter(&mut tx).await?;
        let position = start_at_head(&mut tx, reactor).await?;
        let relations = swap_in(&mut tx, reactor, position, None).await?;
        tx.commit().await?;
        tracing::info!(reactor = reactor.name(), %position, "installed a reactor at the feed's head");
        Ok(Some(RebuildReport {
            projector: reactor.name().to_owned(),
            events: 0,
            position,
            relations,
            millis: started.elapsed().as_millis(),
        }))
    }

    /// The projector called `name`, if it may be rebuilt.
    pub(super) fn rebuildable(&self, name: &str) -> Result<Arc<dyn Projector>, ProjectionRunError> {
        let projector = self.projector(name)?;
        if projector.kind() == ProjectorKind::Reactor {
            return Err(ProjectionRunError::NeverRebuilt {
                name: name.to_owned(),
            });
        }
        Ok(projector)
    }

    /// Installs the reactors that are not installed yet (at the feed's head).
    pub(super) async fn install_reactors(&self) -> Result<(), ProjectionRunError> {
        let reactors = self
            .projectors
            .iter()
            .filter(|p| p.kind() == ProjectorKind::Reactor);
        for reactor in reactors {
            let _lock = self.lock_rebuild(reactor.as_ref()).await?;
            self.install_reactor_locked(reactor.as_ref()).await?;
        }
        Ok(())
    }
}
