//! What the store's statements run on: a connection pool, or one transaction that a whole
//! piece of work runs inside ([`crate::Store::in_one_transaction`]). Both speak sea-orm's
//! `ConnectionTrait` and `TransactionTrait`, so every repository function runs on either;
//! a transaction begun inside the one transaction is a savepoint.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    ExecResult, IsolationLevel, QueryResult, Statement, TransactionError, TransactionOptions,
    TransactionTrait,
};

#[derive(Debug, Clone)]
pub(crate) enum Connection {
    Pool(DatabaseConnection),
    Within(Arc<DatabaseTransaction>),
}

#[sea_orm::prelude::async_trait::async_trait]
impl ConnectionTrait for Connection {
    fn get_database_backend(&self) -> DbBackend {
        match self {
            Connection::Pool(pool) => pool.get_database_backend(),
            Connection::Within(transaction) => transaction.get_database_backend(),
        }
    }

    async fn execute_raw(&self, statement: Statement) -> Result<ExecResult, DbErr> {
        match self {
            Connection::Pool(pool) => pool.execute_raw(statement).await,
            Connection::Within(transaction) => transaction.execute_raw(statement).await,
        }
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        match self {
            Connection::Pool(pool) => pool.execute_unprepared(sql).await,
            Connection::Within(transaction) => transaction.execute_unprepared(sql).await,
        }
    }

    async fn query_one_raw(&self, statement: Statement) -> Result<Option<QueryResult>, DbErr> {
        match self {
            Connection::Pool(pool) => pool.query_one_raw(statement).await,
            Connection::Within(transaction) => transaction.query_one_raw(statement).await,
        }
    }

    async fn query_all_raw(&self, statement: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match self {
            Connection::Pool(pool) => pool.query_all_raw(statement).await,
            Connection::Within(transaction) => transaction.query_all_raw(statement).await,
        }
    }
}

#[sea_orm::prelude::async_trait::async_trait]
impl TransactionTrait for Connection {
    type Transaction = DatabaseTransaction;

    async fn begin(&self) -> Result<DatabaseTransaction, DbErr> {
        match self {
            Connection::Pool(pool) => pool.begin().await,
            Connection::Within(transaction) => transaction.begin().await,
        }
    }

    async fn begin_with_config(
        &self,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<DatabaseTransaction, DbErr> {
        match self {
            Connection::Pool(pool) => pool.begin_with_config(isolation_level, access_mode).await,
            Connection::Within(transaction) => {
                transaction
                    .begin_with_config(isolation_level, access_mode)
                    .await
            }
        }
    }

    async fn begin_with_options(
        &self,
        options: TransactionOptions,
    ) -> Result<DatabaseTransaction, DbErr> {
        match self {
            Connection::Pool(pool) => pool.begin_with_options(options).await,
            Connection::Within(transaction) => transaction.begin_with_options(options).await,
        }
    }

    async fn transaction<F, T, E>(&self, callback: F) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c DatabaseTransaction,
            ) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        match self {
            Connection::Pool(pool) => pool.transaction(callback).await,
            Connection::Within(transaction) => transaction.transaction(callback).await,
        }
    }

    async fn transaction_with_config<F, T, E>(
        &self,
        callback: F,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c DatabaseTransaction,
            ) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        match self {
            Connection::Pool(pool) => {
                pool.transaction_with_config(callback, isolation_level, access_mode)
                    .await
            }
            Connection::Within(transaction) => {
                transaction
                    .transaction_with_config(callback, isolation_level, access_mode)
                    .await
            }
        }
    }
}
