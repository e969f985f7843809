/**
 * The one module that loads apache-arrow's code; import Arrow values from here (types may still come
 * from 'apache-arrow': they are erased).
 *
 * The package's ES-module build is some hundreds of files and takes about 100 ms to load, which every
 * command paid before doing anything; its single-file build (the same library and version, bundled)
 * loads in about 20 ms. Objects made by another copy of the library (code that imports 'apache-arrow'
 * itself) must not be mixed with these: Arrow's writers tell batches from tables with `instanceof`.
 * Files and IPC bytes are the same whichever copy wrote them.
 */
import { createRequire } from 'node:module';
import type * as Arrow from 'apache-arrow';

const arrow = createRequire(import.meta.url)('apache-arrow/Arrow.esnext.min') as typeof Arrow;

export const { makeData, tableFromArrays, tableFromIPC, tableToIPC } = arrow;

// Each class as a value and, under the same name, as its type (generic defaults as in apache-arrow).
/* eslint-disable @typescript-eslint/no-explicit-any */
export const DataType = arrow.DataType;
export type DataType<TType extends Arrow.Type = Arrow.Type, TChildren extends Arrow.TypeMap = any> = Arrow.DataType<TType, TChildren>;
export const Field = arrow.Field;
export type Field<T extends Arrow.DataType = any> = Arrow.Field<T>;
export const Schema = arrow.Schema;
export type Schema<T extends Arrow.TypeMap = any> = Arrow.Schema<T>;
export const RecordBatch = arrow.RecordBatch;
export type RecordBatch<T extends Arrow.TypeMap = any> = Arrow.RecordBatch<T>;
export const Struct = arrow.Struct;
export type Struct<T extends Arrow.TypeMap = any> = Arrow.Struct<T>;
export const FixedSizeList = arrow.FixedSizeList;
export type FixedSizeList<T extends Arrow.DataType = any> = Arrow.FixedSizeList<T>;
export const RecordBatchReader = arrow.RecordBatchReader;
export type RecordBatchReader<T extends Arrow.TypeMap = any> = Arrow.RecordBatchReader<T>;
export const RecordBatchFileWriter = arrow.RecordBatchFileWriter;
export type RecordBatchFileWriter<T extends Arrow.TypeMap = any> = Arrow.RecordBatchFileWriter<T>;
/* eslint-enable @typescript-eslint/no-explicit-any */
export const Int32 = arrow.Int32;
export type Int32 = Arrow.Int32;
export const Int64 = arrow.Int64;
export type Int64 = Arrow.Int64;
export const Utf8 = arrow.Utf8;
export type Utf8 = Arrow.Utf8;
export const Float16 = arrow.Float16;
export type Float16 = Arrow.Float16;
export const Float32 = arrow.Float32;
export type Float32 = Arrow.Float32;
export const Float64 = arrow.Float64;
export type Float64 = Arrow.Float64;
export const Uint32 = arrow.Uint32;
export type Uint32 = Arrow.Uint32;
// Enums: values here; as types, use Arrow.Type / Arrow.Precision from 'apache-arrow'.
export const Type = arrow.Type;
export const Precision = arrow.Precision;
