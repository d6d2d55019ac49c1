// The messages of proto/longrun/v1/longrun.proto and google/longrunning/operations.proto as
// grpc-js hands them over and takes them back (proto-loader: keepCase, enums as names, int64
// as strings on the way in; numbers or strings accepted on the way out).
import type { AnyMessage } from './protos.js';

export interface Timestamp {
  seconds: number;
  nanos: number;
}

export interface Duration {
  seconds: string | number;
  nanos: number;
}

export interface StatusMessage {
  code: number;
  message: string;
  details: AnyMessage[];
}

export interface Operation {
  name: string;
  metadata: AnyMessage;
  done: boolean;
  error?: StatusMessage;
  response?: AnyMessage;
}

export interface GetOperationRequest {
  name: string;
}

export interface ListOperationsRequest {
  name: string;
  filter: string;
  page_size: number;
  page_token: string;
}

export interface ListOperationsResponse {
  operations: Operation[];
  next_page_token: string;
}

export interface CancelOperationRequest {
  name: string;
}

export interface DeleteOperationRequest {
  name: string;
}

export interface WaitOperationRequest {
  name: string;
  /** Unset: null. */
  timeout: Duration | null;
}

export type Empty = Record<string, never>;

export interface CreateVideoRequest {
  title: string;
  plot: string;
  duration_seconds: number;
  request_id: string;
}

export interface DeleteVideoRequest {
  name: string;
  request_id: string;
}

export interface GetVideoRequest {
  name: string;
}

export interface ListVideosRequest {
  page_size: number;
  page_token: string;
}

export interface VideoMessage {
  name: string;
  id: string;
  title: string;
  plot: string;
  duration_seconds: number;
  width: number;
  height: number;
  fps: number;
  size_bytes: number;
  content_uri: string;
  poster_uri: string;
  state: 'AVAILABLE' | 'DELETING';
  create_time: Timestamp;
}

export interface ListVideosResponse {
  videos: VideoMessage[];
  next_page_token: string;
}

export interface WatchOperationRequest {
  name: string;
  after_version: string;
}
