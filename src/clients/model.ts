import type { ClientDto, JwkDto, JwksDto, OnBehalfOfDto } from './dto.js';

/** What the Client resolvers receive (codegen `mappers`): the admin API's DTO, mapped field by field. */
export type ClientModel = ClientDto;

/** An onbehalfof registration with the id of the client it belongs to (the DTO alone does not say). */
export interface OnBehalfOfModel {
  clientId: string;
  dto: OnBehalfOfDto;
  /** The owning client when it is already at hand (embedded array), to spare a look-up. */
  client?: ClientDto;
}

export type JwksModel = JwksDto;
export type JwkModel = JwkDto;
