/**
 * KRR's wire format (reference §2), as received. Every field is optional and typed loosely on purpose: the upstream
 * adds fields and changes timestamp shapes, and the mapping must survive any document of this shape.
 */
export interface KrrContactInfoDto {
  epostadresse?: string;
  epostadresse_oppdatert?: string;
  epostadresse_sist_verifisert?: string;
  epostadresse_sist_validert?: string;
  epostadresse_duplisert?: string;
  mobiltelefonnummer?: string;
  mobiltelefonnummer_oppdatert?: string;
  mobiltelefonnummer_sist_verifisert?: string;
  mobiltelefonnummer_sist_validert?: string;
  mobiltelefonnummer_duplisert?: string;
}

export interface KrrDigitalPostDto {
  postkasseadresse?: string;
  postkasseleverandoeradresse?: string;
}

export interface KrrPersonDto {
  personidentifikator?: string;
  reservasjon?: string;
  reservasjonstidspunkt?: string;
  reservasjon_oppdatert?: string;
  status?: string;
  varslingsstatus?: string;
  spraak?: string;
  spraak_oppdatert?: string;
  kontaktinformasjon?: KrrContactInfoDto | null;
  digital_post?: KrrDigitalPostDto | null;
  /** Some deployments put the mailbox fields on the person itself. */
  postkasseadresse?: string;
  postkasseleverandoeradresse?: string;
  sertifikat?: string;
}

export interface KrrPersonsResponseDto {
  personer?: KrrPersonDto[];
}
